"""API of sources, status rules and PromQL SLOs (the generic tests in tests/api/ walk the
routes too: isolation, bad input, tokens)."""

import pytest

from integrations.prometheus.models import PrometheusSource, PromQLDay, PromQLSLI
from sla.models import SLO
from tests.factories import (
    PrometheusSourceFactory,
    PromQLDayFactory,
    ServiceFactory,
    TimePeriodFactory,
)

pytestmark = pytest.mark.django_db


def test_source_secrets_are_write_only(tenants, api_a, api_b):
    created = api_a.post(
        "/api/v1/prometheus-sources",
        data={"name": "prod", "url": "https://prom.example.com:9090", "bearer_token": "t0k3n",
              "headers": {"X-Scope-OrgID": "acme"}},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert "bearer_token" not in body and body["has_bearer_token"] is True
    source = PrometheusSource.objects.get(pk=body["id"])
    assert source.bearer_token == "t0k3n" and source.account == tenants.a
    kept = api_a.patch(f"/api/v1/prometheus-sources/{source.pk}", data={"name": "p"}, format="json")
    assert kept.json()["has_bearer_token"] is True
    cleared = api_a.patch(
        f"/api/v1/prometheus-sources/{source.pk}", data={"bearer_token": ""}, format="json"
    )
    assert cleared.json()["has_bearer_token"] is False
    assert api_b.get(f"/api/v1/prometheus-sources/{source.pk}").status_code == 404
    assert api_b.get("/api/v1/prometheus-sources").json()["results"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "ftp://prom.example.com"}, "url"),
        ({"url": "https://user:pw@prom.example.com"}, "url"),
        ({"headers": {"Host": "x"}}, "headers"),
        ({"headers": {"X-A": "line\nbreak"}}, "headers"),
        ({"headers": ["X-A"]}, "headers"),
        ({"bearer_token": "t", "basic_auth_username": "u"}, "bearer_token"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
    ],
)
def test_bad_sources_are_400_naming_the_field(tenants, api_a, data, field):
    payload = {"name": "x", "url": "https://prom.example.com", **data}
    response = api_a.post("/api/v1/prometheus-sources", data=payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()


def test_connection_test_gives_the_version_or_the_exact_error(tenants, api_a, source, settings):
    ok = api_a.post(f"/api/v1/prometheus-sources/{source.pk}/test")
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert ok.json()["version"].startswith("2.42")
    source.refresh_from_db()
    assert source.last_check_ok is True and source.last_check_message.startswith("Prometheus 2.")
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = False
    refused = api_a.post(f"/api/v1/prometheus-sources/{source.pk}/test").json()
    assert refused["ok"] is False and "127.0.0.1" in refused["error"]


def _slo_payload(source, service, **prometheus):
    settings = {
        "source": source.pk,
        "bad_query": 'sla_test_live_requests_total{code="500"}',
        "total_query": "sla_test_live_requests_total",
        **prometheus,
    }
    return {"name": "checkout", "service": service.pk, "sli_kind": "prometheus",
            "target": 99.9, "window_days": 28, "prometheus": settings}  # fmt: skip


def test_promql_slo_create_checks_queries_on_the_source(tenants, api_a, source):
    service = ServiceFactory(account=tenants.a)
    created = api_a.post("/api/v1/slos", data=_slo_payload(source, service), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["prometheus"] == {
        "source": source.pk, "good_query": None,
        "bad_query": 'sla_test_live_requests_total{code="500"}',
        "total_query": "sla_test_live_requests_total",
    }  # fmt: skip
    assert PromQLSLI.objects.get(slo_id=body["id"]).account == tenants.a
    shown = api_a.get(f"/api/v1/slos/{body['id']}").json()
    assert shown["status"]["budget"]["unit"] == "events" and "gaps" in shown["status"]


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"bad_query": "rate(x[5m]"}, "prometheus.bad_query", "parse error"),
        ({"total_query": "a + b"}, "prometheus.total_query", "{{window}}"),
        ({"good_query": "x"}, "prometheus.good_query", "exactly one"),
        ({"bad_query": "", "good_query": ""}, "prometheus.good_query", "exactly one"),
        ({"total_query": "up or vector(1) + 0*{{window}}"}, "prometheus.total_query", "bad_data"),
        ({"total_query": 'label_replace(up{job="exporter"} or vector(1), "w", "{{window}}",'
                         ' "", "")'},
         "prometheus.total_query", "2 series where one is expected"),
    ],
)  # fmt: skip
def test_bad_promql_is_400_on_the_field(tenants, api_a, source, change, field, text):
    service = ServiceFactory(account=tenants.a)
    payload = _slo_payload(source, service, **change)
    response = api_a.post("/api/v1/slos", data=payload, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["fields"]
    assert field in fields and text in fields[field][0], fields
    assert not SLO.objects.exists()


def test_kind_and_settings_must_match(tenants, api_a, source, settings):
    service = ServiceFactory(account=tenants.a)
    payload = _slo_payload(source, service)
    missing = api_a.post("/api/v1/slos", data={**payload, "prometheus": None}, format="json")
    assert missing.status_code == 400 and "prometheus" in missing.json()["fields"]
    wrong_kind = api_a.post("/api/v1/slos", data={**payload, "sli_kind": "requests"}, format="json")
    assert wrong_kind.status_code == 400 and "prometheus" in wrong_kind.json()["fields"]
    period = TimePeriodFactory(account=tenants.a)
    with_period = api_a.post(
        "/api/v1/slos", data={**payload, "time_period": period.pk}, format="json"
    )
    assert with_period.status_code == 400 and "time_period" in with_period.json()["fields"]
    foreign = PrometheusSourceFactory(account=tenants.b)
    other = api_a.post("/api/v1/slos", data=_slo_payload(foreign, service), format="json")
    assert other.status_code == 400 and "prometheus.source" in other.json()["fields"]
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = False
    unreachable = api_a.post("/api/v1/slos", data=payload, format="json")
    assert unreachable.status_code == 400
    assert "does not answer" in unreachable.json()["fields"]["prometheus.source"][0]


def test_changing_the_queries_refetches_the_window(tenants, api_a, source):
    service = ServiceFactory(account=tenants.a)
    slo_id = api_a.post("/api/v1/slos", data=_slo_payload(source, service), format="json").json()[
        "id"
    ]
    PromQLDayFactory(account=tenants.a, slo_id=slo_id)
    same = api_a.patch(f"/api/v1/slos/{slo_id}", data={"target": 99.5}, format="json")
    assert same.status_code == 200 and PromQLDay.objects.filter(slo_id=slo_id).exists()
    changed = api_a.patch(
        f"/api/v1/slos/{slo_id}",
        data={"prometheus": {**_slo_payload(source, service)["prometheus"], "total_query": "up"}},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert not PromQLDay.objects.filter(slo_id=slo_id).exists()
    assert PromQLSLI.objects.get(slo_id=slo_id).total_query == "up"


def test_a_source_in_use_cannot_be_deleted(tenants, api_a, source):
    service = ServiceFactory(account=tenants.a)
    api_a.post("/api/v1/slos", data=_slo_payload(source, service), format="json")
    refused = api_a.delete(f"/api/v1/prometheus-sources/{source.pk}")
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert "PromQL SLI" in refused.json()["message"]
    unused = PrometheusSourceFactory(account=tenants.a)
    assert api_a.delete(f"/api/v1/prometheus-sources/{unused.pk}").status_code == 204


def test_status_rules_are_checked_on_their_source(tenants, api_a, source):
    service = ServiceFactory(account=tenants.a)
    base = {"name": "api up", "service": service.pk, "source": source.pk,
            "query": 'up{job="exporter"}', "crit_operator": "==", "crit_threshold": 0}  # fmt: skip
    created = api_a.post("/api/v1/prometheus-status-rules", data=base, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["missing_state"] == "UNKNOWN"
    for change, field in (
        ({"query": "up{"}, "query"),
        ({"query": "up or vector(1)"}, "query"),
        ({"warn_operator": ">"}, "warn_operator"),
        ({"crit_operator": "=~"}, "crit_operator"),
    ):
        response = api_a.post(
            "/api/v1/prometheus-status-rules", data={**base, "name": "x", **change}, format="json"
        )
        assert response.status_code == 400 and field in response.json()["fields"], change
