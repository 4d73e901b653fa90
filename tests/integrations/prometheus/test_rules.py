"""Status rules against the real Prometheus: up == 0 turns the service CRIT, opens an incident
and shows on the status page; back up closes both. Conditions, missing series, errors."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from integrations.prometheus.models import PrometheusStatusRule
from integrations.prometheus.promql import status_from_value
from integrations.prometheus.services.rules import rules_evaluate
from sla.models import Incident, Service, StatusEvent
from sla.services.rollups import incidents_refresh_account
from slaportal.schedule import PERIODIC_JOBS
from statuspage.cache import forget_local
from tests.factories import ServiceFactory, StatusPageComponentFactory, StatusPageFactory

pytestmark = pytest.mark.django_db


def _rule(tenants, source, service, query, **fields):
    return PrometheusStatusRule.objects.create(
        account=tenants.a, name=f"rule {query}", service=service, source=source, query=query,
        **{"crit_operator": "==", "crit_threshold": 0, **fields},
    )  # fmt: skip


def _component_status(slug: str) -> str:
    cache.clear()  # rendered pages are cached for 30 s; the test looks at once
    forget_local()
    body = Client().get(f"/status/{slug}/api/v2/components.json").json()
    [component] = body["components"]
    return component["status"]


def test_up_zero_turns_the_service_crit_opens_an_incident_and_shows_on_the_status_page(
    tenants, source, prometheus_server, prometheus_exporter
):
    service = ServiceFactory(account=tenants.a, path="exporter/scrape")
    page = StatusPageFactory(account=tenants.a, slug="alpha-status")
    StatusPageComponentFactory(account=tenants.a, page=page, service=service, name="Exporter")
    rule = _rule(tenants, source, service, 'up{job="exporter"}')
    assert rules_evaluate(account=tenants.a, now=timezone.now())["events"] == 1
    incidents_refresh_account(account=tenants.a)
    assert _component_status("alpha-status") == "operational"

    prometheus_exporter.down = True
    try:
        prometheus_server.wait_for('up{job="exporter"} == 0')
        stats = rules_evaluate(account=tenants.a, now=timezone.now())
        assert stats["events"] == 1 and stats["new"] == 1
        incidents_refresh_account(account=tenants.a)
        rule.refresh_from_db()
        assert rule.last_state == "CRIT" and rule.last_value == "0"
        incident = Incident.objects.get(service=service)
        assert incident.ended_at is None and incident.worst_state == "CRIT"
        assert _component_status("alpha-status") == "major_outage"
        # Evaluated again: no change, no event.
        assert rules_evaluate(account=tenants.a, now=timezone.now())["events"] == 0
    finally:
        prometheus_exporter.down = False
    prometheus_server.wait_for('up{job="exporter"} == 1')
    rules_evaluate(account=tenants.a, now=timezone.now())
    incidents_refresh_account(account=tenants.a)
    incident = Incident.objects.get(service=service)  # derived rows are rebuilt
    assert incident.ended_at is not None
    assert Service.objects.get(pk=service.pk).current_state == "OK"
    assert _component_status("alpha-status") == "operational"
    events = StatusEvent.objects.filter(service=service).order_by("at")
    assert [event.state for event in events] == ["OK", "CRIT", "OK"]
    assert all(event.dedup_key.startswith(f"id:prometheus-rule:{rule.pk}:") for event in events)


def test_the_rules_job_runs_every_minute():
    [job] = [job for job in PERIODIC_JOBS if job.task == "prometheus.evaluate_rules"]
    assert job.every_seconds == 60  # so a down target is CRIT within two minutes


def test_a_repeated_evaluation_at_the_same_instant_is_a_duplicate(tenants, source):
    service = ServiceFactory(account=tenants.a)
    rule = _rule(tenants, source, service, "vector(1)", crit_operator="<", crit_threshold=1)
    now = timezone.now()
    assert rules_evaluate(account=tenants.a, now=now)["new"] == 1
    PrometheusStatusRule.objects.filter(pk=rule.pk).update(last_state="")  # lost bookkeeping
    again = rules_evaluate(account=tenants.a, now=now)
    assert again["events"] == 1 and again["new"] == 0
    assert StatusEvent.objects.filter(service=service).count() == 1


def test_missing_series_several_series_and_errors(tenants, source):
    service = ServiceFactory(account=tenants.a)
    missing = _rule(tenants, source, service, 'up{job="no-such-job"}', missing_state="CRIT")
    several = _rule(
        tenants, source, ServiceFactory(account=tenants.a), 'up{job="exporter"} or vector(1)'
    )
    broken = _rule(tenants, source, ServiceFactory(account=tenants.a), "up{")
    stats = rules_evaluate(account=tenants.a, now=timezone.now())
    assert stats["rules"] == 3 and stats["events"] == 1 and stats["errors"] == 2
    for rule in (missing, several, broken):
        rule.refresh_from_db()
    assert missing.last_state == "CRIT" and missing.last_value == "no series"
    assert several.last_state == "" and "2 series where one is expected" in several.last_error
    assert 'up{instance="127.0.0.1:' in several.last_error  # the labels are named
    assert broken.last_state == "" and "bad_data" in broken.last_error


def test_a_failing_source_changes_no_state(tenants, source, settings):
    service = ServiceFactory(account=tenants.a)
    rule = _rule(tenants, source, service, "vector(0)")
    rules_evaluate(account=tenants.a, now=timezone.now())
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = False  # the guard now refuses 127.0.0.1
    stats = rules_evaluate(account=tenants.a, now=timezone.now() + dt.timedelta(minutes=1))
    rule.refresh_from_db()
    assert stats["events"] == 0 and rule.last_state == "CRIT"
    assert "SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS" in rule.last_error


@pytest.mark.parametrize(
    ("value", "state"),
    [("0", "OK"), ("0.5", "OK"), ("0.51", "WARN"), ("0.9", "WARN"), ("0.91", "CRIT")],
)
def test_crit_and_warn_conditions(value, state):
    rule = SimpleNamespace(
        crit_operator=">", crit_threshold=Decimal("0.9"), warn_operator=">",
        warn_threshold=Decimal("0.5"),
    )  # fmt: skip
    assert status_from_value(rule, Decimal(value)) == state
