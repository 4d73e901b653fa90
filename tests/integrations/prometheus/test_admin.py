"""Admin of the Prometheus integration: tenant-aware lists, write-only secrets, the
connection test, status rules checked on save, the PromQL inline of SLOs."""

import pytest

from integrations.prometheus.models import PrometheusSource, PromQLSLI
from tests.factories import (
    AlertmanagerAlertFactory,
    PrometheusSourceFactory,
    PrometheusStatusRuleFactory,
    PromQLGapFactory,
    PromQLSLIFactory,
    ServiceFactory,
    SLOFactory,
)

pytestmark = pytest.mark.django_db


def test_lists_show_only_the_operators_accounts(client, tenants):
    PrometheusSourceFactory(account=tenants.a, name="alpha prom")
    PrometheusSourceFactory(account=tenants.b, name="beta prom")
    PrometheusStatusRuleFactory(account=tenants.a, name="alpha rule")
    AlertmanagerAlertFactory(account=tenants.a, alertname="AlphaAlert")
    PromQLGapFactory(account=tenants.a, reason="alpha gap")
    client.force_login(tenants.owner_a)
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    sources = client.get("/admin/prometheus/prometheussource/").content.decode()
    assert "alpha prom" in sources and "beta prom" not in sources
    assert "alpha rule" in client.get("/admin/prometheus/prometheusstatusrule/").content.decode()
    assert "AlphaAlert" in client.get("/admin/prometheus/alertmanageralert/").content.decode()
    assert "alpha gap" in client.get("/admin/prometheus/promqlgap/").content.decode()


def test_source_secrets_are_never_shown_and_kept_when_left_empty(client, tenants):
    source = PrometheusSourceFactory(account=tenants.a, bearer_token="s3cr3t-token")
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    url = f"/admin/prometheus/prometheussource/{source.pk}/change/"
    page = client.get(url).content.decode()
    assert "s3cr3t-token" not in page
    response = client.post(url, {
        "account": tenants.a.pk, "name": "renamed", "url": "https://prom.example.com",
        "bearer_token": "", "basic_auth_username": "", "basic_auth_password": "",
        "headers": "{}", "timeout_seconds": 5, "verify_tls": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert source.name == "renamed" and source.bearer_token == "s3cr3t-token"


def test_connection_test_action_reports_version_or_error(client, tenants, source):
    broken = PrometheusSourceFactory(account=tenants.a)
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    response = client.post(
        "/admin/prometheus/prometheussource/",
        {"action": "test_connection", "_selected_action": [source.pk, broken.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Prometheus 2.42" in text and "192.0.2.1" in text
    source.refresh_from_db()
    assert source.last_check_ok is True


def test_slo_admin_saves_promql_queries_after_trying_them(client, tenants, source):
    slo = SLOFactory(account=tenants.a, sli_kind="prometheus", target=99.5)
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    url = f"/admin/sla/slo/{slo.pk}/change/"
    page = client.get(url).content.decode()
    assert "PromQL SLI" in page
    form = {
        "account": tenants.a.pk, "name": slo.name, "description": "", "service": slo.service_id,
        "group": "", "sli_kind": "prometheus", "target": "99.5", "time_period": "",
        "options": "{}", "window_kind": "rolling", "window_days": 30, "calendar_unit": "",
        "timezone": "UTC", "alert_policy": "",
        "promql-TOTAL_FORMS": 1, "promql-INITIAL_FORMS": 0, "promql-MIN_NUM_FORMS": 0,
        "promql-MAX_NUM_FORMS": 1, "promql-0-source": source.pk, "promql-0-good_query": "",
        "promql-0-bad_query": "up{", "promql-0-total_query": "up",
    }  # fmt: skip
    bad = client.post(url, form)
    assert bad.status_code == 200 and "parse error" in bad.content.decode()
    assert not PromQLSLI.objects.exists()
    form["promql-0-bad_query"] = 'up{job="exporter"}'
    good = client.post(url, form)
    import re

    assert good.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", good.content.decode(), re.S
    )
    sli = PromQLSLI.objects.get(slo=slo)
    assert sli.account == tenants.a and sli.total_query == "up"


def test_rule_admin_tries_the_query(client, tenants, source):
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    service = ServiceFactory(account=tenants.a)
    form = {
        "account": tenants.a.pk, "name": "r", "service": service.pk, "source": source.pk,
        "query": "up or vector(1)", "crit_operator": "==", "crit_threshold": "0",
        "warn_operator": "", "warn_threshold": "", "missing_state": "UNKNOWN", "enabled": "on",
    }  # fmt: skip
    response = client.post("/admin/prometheus/prometheusstatusrule/add/", form)
    assert response.status_code == 200 and "where one is expected" in response.content.decode()
    form["query"] = 'up{job="exporter"}'
    assert client.post("/admin/prometheus/prometheusstatusrule/add/", form).status_code == 302


def test_gap_and_alert_rows_are_read_only(client, tenants):
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    assert client.get("/admin/prometheus/promqlgap/add/").status_code == 403
    assert PrometheusSource.objects.count() == 0
    assert PromQLSLIFactory._meta.model is PromQLSLI
