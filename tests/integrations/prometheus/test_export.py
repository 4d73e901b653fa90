"""GET /metrics (tokens, series, bounded labels), scraped by the real Prometheus; generated
rules checked by promtool and loaded by Prometheus; the Grafana dashboard's metrics."""

import datetime as dt
import json
import re
import shutil
import subprocess
import time

import pytest
import yaml
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.prometheus.models import JobRun
from sla.services.ingest import events_ingest
from sla.services.request_counts import request_counts_ingest
from sla.services.slo_buckets import slo_buckets_refresh
from tests.conftest import client_for
from tests.factories import (
    AlertFactory,
    AlertPolicyFactory,
    ApiTokenFactory,
    BurnRateWindowFactory,
    PeriodResultFactory,
    PromQLSLIFactory,
    SLOFactory,
)

OPERATOR_TOKEN = "operator-scrape-token-for-tests"
ALLOWED_LABELS = {
    "account", "slo_id", "service", "group", "sli_kind", "lookback", "severity",
    "long_window", "short_window", "sla_id", "requirement", "kind", "task", "result",
}  # fmt: skip


def _scrape(secret: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return Client().get("/metrics", **headers)


def _samples(text: str) -> list:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def _figures(tenants, now):
    """Account A: a request SLO with counts, a firing alert, an SLA result, service states."""
    slo = SLOFactory(account=tenants.a, sli_kind="requests", target=99)
    start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=20)
    request_counts_ingest(
        account=tenants.a,
        items=[{"service": slo.service.path, "start": start.isoformat(), "end":
                (start + dt.timedelta(minutes=1)).isoformat(), "good": 980, "total": 1000}],
        now=now,
    )  # fmt: skip
    slo_buckets_refresh(account=tenants.a, now=now)
    AlertFactory(account=tenants.a, slo=slo, window_key="page:3600:300", state="firing")
    PeriodResultFactory(
        account=tenants.a, service=slo.service, complete=False,
        result={"requirements": [{"kind": "percentage", "state": "WARN", "value": 99.5}]},
    )  # fmt: skip
    events_ingest(
        account=tenants.a,
        items=[{"service": slo.service.path, "at": (now - dt.timedelta(minutes=1)).isoformat(),
                "state": "WARN"}],
        now=now,
    )  # fmt: skip
    from sla.services.rollups import incidents_refresh_account

    incidents_refresh_account(account=tenants.a)
    SLOFactory(account=tenants.b, sli_kind="requests")
    JobRun.objects.create(
        task="sla.slo_minutely", last_success_at=now, last_duration_seconds=1.5, successes=3
    )
    return slo


@pytest.mark.django_db
def test_metrics_needs_a_metrics_token(tenants, settings):
    settings.SLA_METRICS_TOKEN = OPERATOR_TOKEN
    assert _scrape(None).status_code == 401
    assert _scrape("wrong").status_code == 401
    reader = ApiTokenFactory(account=tenants.a, scopes=["read", "write", "ingest"])
    response = _scrape(reader.secret)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "not_authenticated"
    settings.SLA_METRICS_TOKEN = ""
    assert _scrape("").status_code == 401  # an empty operator token never matches


@pytest.mark.django_db
def test_account_token_sees_its_account_operator_token_sees_all(tenants, settings):
    settings.SLA_METRICS_TOKEN = OPERATOR_TOKEN
    now = timezone.now()
    slo = _figures(tenants, now)
    scraper = ApiTokenFactory(account=tenants.a, scopes=["metrics"])
    text = _scrape(scraper.secret).content.decode()
    samples = _samples(text)
    assert {sample.labels.get("account") for sample in samples} == {"alpha"}
    by_name = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample)
    labels = {"account": "alpha", "slo_id": str(slo.pk), "service": slo.service.path,
              "group": "", "sli_kind": "requests"}  # fmt: skip
    [sli] = by_name["slaportal_slo_sli_ratio"]
    assert sli.labels == labels and sli.value == pytest.approx(0.98)
    [remaining] = by_name["slaportal_slo_error_budget_remaining_ratio"]
    assert remaining.value == pytest.approx(-1.0)  # 2 % bad against 1 % allowed
    burns = {s.labels["lookback"]: s.value for s in by_name["slaportal_slo_burn_rate"]}
    assert set(burns) == {"1h", "6h", "3d"} and burns["1h"] == pytest.approx(2.0)
    firing = {(s.labels["long_window"], s.labels["short_window"]): s.value
              for s in by_name["slaportal_slo_alert_firing"]}  # fmt: skip
    assert firing == {("1h", "5m"): 1, ("6h", "30m"): 0, ("3d", "6h"): 0}
    [requirement] = by_name["slaportal_sla_requirement_value_ratio"]
    assert requirement.value == pytest.approx(0.995)
    assert by_name["slaportal_sla_requirement_state"][0].value == 2  # WARN
    [state] = by_name["slaportal_service_state"]
    assert state.labels["service"] == slo.service.path and state.value == 1  # WARN
    assert "slaportal_job_last_success_timestamp_seconds" not in by_name  # operators only
    for sample in samples:
        assert set(sample.labels) <= ALLOWED_LABELS, sample

    everything = _samples(_scrape(OPERATOR_TOKEN).content.decode())
    assert {s.labels.get("account") for s in everything} >= {"alpha", "beta"}
    names = {sample.name for sample in everything}
    assert {"slaportal_job_last_success_timestamp_seconds", "slaportal_ingest_events_total",
            "slaportal_outbox_pending_deliveries"} <= names  # fmt: skip
    accepted = [s for s in everything if s.name == "slaportal_ingest_events_total"
                and s.labels["result"] == "accepted"]  # fmt: skip
    assert accepted and accepted[0].value >= 1


@pytest.mark.django_db(transaction=True)
def test_the_real_prometheus_scrapes_metrics_with_a_bearer_token(
    tenants, prometheus_server, live_server, settings, tmp_path
):
    _figures(tenants, timezone.now())
    scraper = ApiTokenFactory(account=tenants.a, scopes=["metrics"])
    token_file = tmp_path / "scrape-token"
    token_file.write_text(scraper.secret)
    host = live_server.url.split("://", 1)[1]
    prometheus_server.extra_scrape_configs = [
        {
            "job_name": "sla-portal",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [host]}],
            "authorization": {"type": "Bearer", "credentials_file": str(token_file)},
        }
    ]
    prometheus_server.reload()
    try:
        result = prometheus_server.wait_for('slaportal_slo_sli_ratio{job="sla-portal"}')
        assert float(result[0]["value"][1]) == pytest.approx(0.98)
        assert result[0]["metric"]["account"] == "alpha"
    finally:
        prometheus_server.extra_scrape_configs = []
        prometheus_server.reload()


def _promql_slo(tenants, **fields):
    sli = PromQLSLIFactory(
        account=tenants.a, good_query="", bad_query='http_requests_total{code=~"5.."}',
        total_query="http_requests_total", **fields,
    )  # fmt: skip
    return sli.slo


@pytest.mark.django_db
def test_generated_rules_pass_promtool_and_load_in_prometheus(tenants, api_a, tmp_path,
                                                             prometheus_server):  # fmt: skip
    policy = AlertPolicyFactory(account=tenants.a)
    BurnRateWindowFactory(account=tenants.a, policy=policy, long_window_seconds=7200,
                          short_window_seconds=600, budget_consumed_percent=3)  # fmt: skip
    bad_form = _promql_slo(tenants)
    good_form = PromQLSLIFactory(
        account=tenants.a, slo__alert_policy=policy, slo__target="99.95",
        good_query='http_request_duration_seconds_bucket{le="0.3"}',
        total_query="http_request_duration_seconds_count",
    ).slo  # fmt: skip
    texts = []
    for slo in (bad_form, good_form):
        response = api_a.get(f"/api/v1/slos/{slo.pk}/prometheus-rules")
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/yaml"
        )
        text = response.content.decode()
        path = tmp_path / f"slo-{slo.pk}.yml"
        path.write_text(text)
        checked = subprocess.run([shutil.which("promtool"), "check", "rules", str(path)],
                                 capture_output=True, text=True)  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
        texts.append(yaml.safe_load(text))
    records = [rule.get("record") for group in texts[0]["groups"] for rule in group["rules"]]
    assert "slo:sli_error:ratio_rate5m" in records and "slo:period_burn_rate:ratio" in records
    [page] = [rule for group in texts[0]["groups"] for rule in group["rules"]
              if rule.get("alert") == "SLAPortalSLOBurnRatePage"]  # fmt: skip
    assert "> 0.0144" in page["expr"]  # 14.4 x 0.001 (99.9 %, 30 days)
    [custom] = [rule for group in texts[1]["groups"] for rule in group["rules"]
                if rule.get("alert")]  # fmt: skip
    assert "ratio_rate2h" in custom["expr"] and "ratio_rate10m" in custom["expr"]

    # The real Prometheus loads and evaluates them.
    previous = prometheus_server.rules_path.read_text()
    merged = {"groups": texts[0]["groups"] + texts[1]["groups"]}
    try:
        prometheus_server.set_rules(merged)
        deadline = time.monotonic() + 20
        while True:
            groups = _rule_groups(prometheus_server)
            if groups and all(rule.get("lastEvaluation", "").startswith("20")
                              for group in groups for rule in group["rules"]):  # fmt: skip
                break
            assert time.monotonic() < deadline, groups
            time.sleep(0.3)
        assert all(rule["health"] == "ok" for group in groups for rule in group["rules"]), groups
    finally:
        prometheus_server.rules_path.write_text(previous)
        prometheus_server.reload()


def _rule_groups(server) -> list:
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/api/v1/rules", timeout=5) as response:
        groups = json.load(response)["data"]["groups"]
    return [group for group in groups if group["name"].startswith("sla-portal-slo-")]


@pytest.mark.django_db
def test_rules_only_for_promql_slos_and_never_for_other_accounts(tenants, api_a, api_b):
    time_slo = SLOFactory(account=tenants.a)
    response = api_a.get(f"/api/v1/slos/{time_slo.pk}/prometheus-rules")
    assert response.status_code == 400 and "sli_kind" in response.json()["fields"]
    promql = _promql_slo(tenants)
    assert api_b.get(f"/api/v1/slos/{promql.pk}/prometheus-rules").status_code == 404


@pytest.mark.django_db
def test_grafana_dashboard_panels_use_metrics_that_exist(tenants, settings):
    settings.SLA_METRICS_TOKEN = OPERATOR_TOKEN
    now = timezone.now()
    slo = _figures(tenants, now)
    promql = _promql_slo(tenants)
    from integrations.prometheus.models import PromQLGap

    PromQLGap.objects.create(
        account=tenants.a, slo=promql, start=now - dt.timedelta(minutes=10), end=now,
        reason="no data", first_seen_at=now, last_attempt_at=now, next_attempt_at=now,
    )  # fmt: skip
    assert slo.pk
    response = client_for(tenants.token_a).get("/api/v1/grafana/dashboard.json")
    assert response.status_code == 200
    dashboard = json.loads(response.content)
    exported = {sample.name for sample in _samples(_scrape(OPERATOR_TOKEN).content.decode())}
    used = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            used |= set(re.findall(r"slaportal_[a-z_]+", target["expr"]))
    assert used and used <= exported, used - exported
    assert len(dashboard["panels"]) >= 8
