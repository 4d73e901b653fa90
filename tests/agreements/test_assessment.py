"""Assessment against the real Prometheus: the test exporter's gauges are scraped, the
agreement's instant queries read them, and the levels follow the spec's cases."""

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from agreements.models import Agreement, LevelChange, State, Violation
from agreements.services.assessment import agreements_assess, agreements_assess_due, next_due
from agreements.services.contexts import context_store
from agreements.services.definitions import agreement_create, agreement_state_set
from agreements.tasks import dispatch_run
from tests.agreements.conftest import unique_metric
from tests.redis_server import free_port

pytestmark = pytest.mark.slow

CASE = Path(__file__).resolve().parents[1] / "data" / "agreements" / "a1_worked_example.json"


def set_and_wait(exporter, server, metric, value, labels=None):
    """Set the gauge and wait until Prometheus answers the new value."""
    if value is None:
        exporter.remove(metric, labels)
        server.wait_for(metric, lambda result: result == [])
        return
    exporter.set(metric, value, labels)
    server.wait_for(
        metric, lambda result: len(result) == 1 and float(result[0]["value"][1]) == value
    )


def assess(agreement):
    stats = agreements_assess(account=agreement.account, agreements=[agreement])
    agreement.refresh_from_db()
    return stats


@pytest.mark.django_db(transaction=False)
def test_the_worked_example_through_the_live_path(tenants, source, prometheus_exporter,
                                                  prometheus_server):  # fmt: skip
    case = json.loads(CASE.read_text())
    metric = unique_metric("agr_case")
    agreement = agreement_create(
        account=tenants.a,
        name="Case",
        guarantees=[{"name": "g", "query": f"[{metric}#LABELS#] < 100", "scope": ""}],
    )
    assert agreement.state == State.STARTED
    assert agreement.guarantees.get().constraint == f"[{metric}] < 100"
    for assessment, expected in zip(case["assessments"], case["expected"]["assessments"],
                                    strict=True):  # fmt: skip
        samples = assessment["results"].get("m")
        set_and_wait(prometheus_exporter, prometheus_server, metric,
                     samples[0]["value"] if samples else None)  # fmt: skip
        assess(agreement)
        guarantee = agreement.guarantees.get()
        assert agreement.last_outcome == expected["outcome"]
        assert agreement.level == expected["level"], expected["at"]
        assert agreement.total_executions == expected["total_executions"]
        assert agreement.total_violations == expected["total_violations"]
        assert agreement.consecutive_broken == expected["x_assessment_broken_count"]
        assert agreement.consecutive_met == expected["y_assessment_met_count"]
        assert guarantee.level == expected["guarantees"]["g"]["level"]
    assert agreement.unknown_executions == 1
    violations = list(Violation.objects.filter(agreement=agreement).order_by("at"))
    assert [v.values[0]["value"] for v in violations] == [150, 170, 120]
    assert [v.values[0]["key"] for v in violations] == [metric] * 3
    timeline = list(LevelChange.objects.filter(agreement=agreement).values_list("level", flat=True))
    assert timeline == ["Met", "Broken", "Critical", "Met", "Critical", "Met"]


def test_a_scoped_agreement_waits_for_its_context(tenants, source, prometheus_exporter,
                                                  prometheus_server):  # fmt: skip
    metric = unique_metric("App01_processing_time")
    agreement = agreement_create(
        account=tenants.a,
        name="App01",
        guarantees=[
            {"name": "Getter", "query": f"avg_over_time({metric}[5m]) < 150",
             "scope": "company_premises/building=."}
        ],
    )  # fmt: skip
    guarantee = agreement.guarantees.get()
    assert agreement.state == State.PAUSED
    assert guarantee.constraint == f"avg_over_time({metric}[5m]) < 150"
    assert guarantee.query == f"[avg_over_time({metric}#LABELS#[5m])] < 150"
    assert agreements_assess_due(account=tenants.a).assessed == 0  # paused: never assessed
    context_store(account=tenants.a, agent_id="ColmenaAgent1", name="company_premises",
                  value={"building": "Red", "floor": "22", "room": "001"})  # fmt: skip
    agreement.refresh_from_db()
    guarantee.refresh_from_db()
    assert agreement.state == State.STARTED
    labels = {"company_premises_building": "Red"}
    assert guarantee.constraint == (
        f'[avg_over_time({metric}{{company_premises_building="Red"}}[5m])] < 150'
    )
    set_and_wait(prometheus_exporter, prometheus_server, metric, 24, labels)
    stats = agreements_assess_due(account=tenants.a)
    assert stats.assessed == 1 and stats.met == 1
    agreement.refresh_from_db()
    assert agreement.level == "Met"
    # Over the threshold: the 5-minute average follows once enough samples are high.
    prometheus_exporter.set(metric, 100000, labels)
    prometheus_server.wait_for(
        f"avg_over_time({metric}[5m]) > 150", lambda result: len(result) == 1
    )
    assess(agreement)
    assert (agreement.level, agreement.total_violations) == ("Broken", 1)
    assess(agreement)
    assert agreement.level == "Critical"
    violation = Violation.objects.filter(agreement=agreement).first()
    assert violation.constraint == guarantee.constraint
    key = f'avg_over_time({metric}{{company_premises_building="Red"}}[5m])'
    assert violation.values[0]["key"] == key
    # A later context change re-resolves the constraint.
    context_store(account=tenants.a, agent_id="ColmenaAgent1", name="company_premises",
                  value={"building": "Blue"})  # fmt: skip
    guarantee.refresh_from_db()
    assert 'company_premises_building="Blue"' in guarantee.constraint


def test_prometheus_down_is_an_unknown_round_never_a_violation(tenants, allow_datasources):
    from integrations.prometheus.models import PrometheusSource

    down = PrometheusSource.objects.create(
        account=tenants.a, name="down", url=f"http://127.0.0.1:{free_port()}", timeout_seconds=2
    )
    agreement = agreement_create(
        account=tenants.a,
        name="Down",
        source=down,
        guarantees=[{"name": "g", "query": "[up] == 1", "scope": ""}],
    )
    assess(agreement)
    assess(agreement)
    assert (agreement.level, agreement.total_executions) == ("Unknown", 2)
    assert (agreement.unknown_executions, agreement.total_violations) == (2, 0)
    assert "cannot connect" in agreement.last_unknown_reason
    assert not Violation.objects.filter(agreement=agreement).exists()


def test_without_any_prometheus_every_round_is_unknown_with_the_reason(tenants, settings):
    settings.PROMETHEUS_ADDRESS = ""
    agreement = agreement_create(
        account=tenants.a, name="Nowhere", guarantees=[{"name": "g", "query": "[up] == 1"}]
    )
    assess(agreement)
    assert agreement.level == "Unknown" and agreement.unknown_executions == 1
    assert "no Prometheus to ask" in agreement.last_unknown_reason


def test_prometheus_address_is_the_deployment_wide_fallback(tenants, settings,
                                                            prometheus_server):  # fmt: skip
    settings.PROMETHEUS_ADDRESS = prometheus_server.url  # private: allowed for the operator
    agreement = agreement_create(
        account=tenants.a, name="Env", guarantees=[{"name": "g", "query": "[vector(1)] == 1"}]
    )
    assess(agreement)
    assert (agreement.last_outcome, agreement.level) == ("met", "Met")


def test_due_rounds_expiry_and_stopped_agreements(tenants, settings, prometheus_server, eager):
    settings.PROMETHEUS_ADDRESS = prometheus_server.url
    now = timezone.now()
    started = agreement_create(account=tenants.a, name="S", now=now,
                               guarantees=[{"name": "g", "query": "[vector(1)] == 1"}])  # fmt: skip
    stopped = agreement_create(account=tenants.a, name="T", now=now,
                               guarantees=[{"name": "g", "query": "[vector(1)] == 1"}])  # fmt: skip
    agreement_state_set(account=tenants.a, agreement=stopped, state="stopped", now=now)
    short = agreement_create(account=tenants.a, name="E", now=now,
                             expires_at=now + dt.timedelta(seconds=40),
                             guarantees=[{"name": "g", "query": "[vector(1)] == 1"}])  # fmt: skip
    first = agreements_assess_due(account=tenants.a, now=now)
    assert first.assessed == 2
    again = agreements_assess_due(account=tenants.a, now=now + dt.timedelta(seconds=10))
    assert again.assessed == 0  # not due before its 30 s interval
    later = now + dt.timedelta(seconds=45)
    with time_machine.travel(later, tick=False):
        assert dispatch_run() == {"expired": 1, "accounts": 1}
    for agreement in (started, stopped, short):
        agreement.refresh_from_db()
    assert started.total_executions == 2  # by the eager per-account unit
    assert stopped.total_executions == 0 and stopped.state == State.STOPPED
    assert short.state == State.EXPIRED and short.total_executions == 1
    agreement_state_set(account=tenants.a, agreement=stopped, state="started", now=later)
    stopped.refresh_from_db()
    assert (stopped.state, stopped.next_due_at) == (State.STARTED, later)


def test_next_due_stays_on_the_grid():
    start = dt.datetime(2025, 5, 7, 10, tzinfo=dt.UTC)
    assert next_due(start, 30, start) == start + dt.timedelta(seconds=30)
    assert next_due(start, 30, start + dt.timedelta(seconds=95)) == start + dt.timedelta(
        seconds=120
    )


def test_a_claimed_round_is_not_assessed_twice(tenants, settings, prometheus_server):
    settings.PROMETHEUS_ADDRESS = prometheus_server.url
    now = timezone.now()
    for index in range(3):
        agreement_create(account=tenants.a, name=f"A{index}", now=now,
                         guarantees=[{"name": "g", "query": "[vector(1)] == 1"}])  # fmt: skip
    first = agreements_assess_due(account=tenants.a, now=now, batch_size=2)
    second = agreements_assess_due(account=tenants.a, now=now, batch_size=2)
    assert (first.assessed, second.assessed) == (3, 0)  # two batches, then none due
    assert sorted(Agreement.objects.values_list("total_executions", flat=True)) == [1, 1, 1]
