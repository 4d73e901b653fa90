"""PromQL SLIs against the session's real Prometheus: backfill, exact counts, counter resets,
chunking, rewrites, gaps while Prometheus is down and their filling, burn-rate alerts."""

import datetime as dt
import time
from fractions import Fraction

import pytest
from django.utils import timezone

from integrations.prometheus.models import PrometheusSource, PromQLDay, PromQLGap, PromQLSLI
from integrations.prometheus.services import sli as sli_service
from integrations.prometheus.services.sli import running_window, sli_fetch
from reporting.services.notifications import outbox_process_due
from sla.selectors.slo import slo_status
from sla.selectors.slo_windows import SLOT, floor_to
from sla.services.slo_alerts import slo_alerts_evaluate
from sla.services.slo_buckets import slo_buckets_refresh
from tests.conftest import client_for
from tests.factories import WebhookEndpointFactory
from tests.integrations.prometheus.conftest import promql_slo, wait_clear_of_slot_edge
from tests.redis_server import free_port
from tests.reporting.receiver import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
HISTORY = "sla_test_history_requests"
RESET_MINUTE = 7  # minutes after a slot start where the "reset" counter restarts


def _history(now: float) -> tuple[str, float, float]:
    """31 days of per-minute samples, aligned to minutes, ending at the last slot edge at
    least 5 minutes back (so every slot up to there is whole):
    case "ratio" counts 499 good and 1 bad request a minute (exactly 0.2 % errors); case
    "reset" counts 100 a minute and restarts from 0 once (its first sample after the
    restart is the 100 requests since)."""
    last = int(now // 300 * 300) - 300
    first = last - 31 * 86400
    minutes = range((last - first) // 60 + 1)
    reset_at = (last - 3 * 3600) // 300 * 300 + RESET_MINUTE * 60
    lines = ["# HELP sla_test_history_requests Requests.", f"# TYPE {HISTORY} counter"]
    for code, per_minute in (("200", 499), ("500", 1)):
        lines += [
            f'{HISTORY}_total{{case="ratio",code="{code}"}} {m * per_minute} {first + m * 60}'
            for m in minutes
        ]
    for m in minutes:
        at = first + m * 60
        value = 100 * m if at < reset_at else 100 * ((at - reset_at) // 60 + 1)
        lines.append(f'{HISTORY}_total{{case="reset",code="200"}} {value} {at}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n", last, reset_at


@pytest.fixture(scope="module")
def history(prometheus_server):
    text, last, reset_at = _history(time.time())
    prometheus_server.backfill(text)
    return {"last": dt.datetime.fromtimestamp(last, tz=dt.UTC), "reset_at": reset_at}


def _ratio_slo(tenants, source, **extra):
    return promql_slo(
        tenants.a,
        source,
        bad=f'{HISTORY}_total{{case="ratio",code="500"}}',
        total=f'{HISTORY}_total{{case="ratio"}}',
        target="99.5",
        **extra,
    )


def _stored(slo) -> dict[dt.datetime, tuple]:
    slots = {}
    for row in PromQLDay.objects.filter(slo=slo):
        for index, total in enumerate(row.total):
            if total is not None:
                slots[row.day + index * SLOT] = (row.good[index], total)
    return slots


def test_backfilled_window_gives_sli_and_budget_of_slo_generators_arithmetic(
    tenants, source, history
):
    slo = _ratio_slo(tenants, source)
    now = timezone.now()
    result = sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    assert result.queries >= 2 and not result.error
    stored = _stored(slo)
    # Every slot of the window up to the history's end holds exactly 2,500 requests, 5 bad.
    assert len(stored) >= 30 * 288 - 3
    assert set(stored.values()) == {(2_495_000, 2_500_000)}  # thousandths of an event
    slo_buckets_refresh(account=tenants.a, now=now)
    budget = slo_status(account=tenants.a, slo=slo, now=now).budget
    # slo-generator: sli = good / (good + bad); burn = (1 - sli) / (1 - target);
    # remaining = 1 - burn (of the budget), all on the same counts.
    good, bad = budget.good / 1000, budget.bad / 1000
    sli = good / (good + bad)
    burn = (1 - sli) / (1 - Fraction(995, 1000))
    assert sli == Fraction(998, 1000) == budget.sli
    assert budget.consumed_fraction == burn == Fraction(2, 5)
    assert budget.remaining_fraction == 1 - burn == Fraction(3, 5)
    assert good + bad == len(stored) * 2500

    body = client_for(tenants.token_a).get(f"/api/v1/slos/{slo.pk}").json()
    assert body["sli_kind"] == "prometheus"
    assert body["prometheus"]["total_query"] == f'{HISTORY}_total{{case="ratio"}}'
    shown = body["status"]["budget"]
    assert shown["sli"] == pytest.approx(99.8) and shown["unit"] == "events"
    assert shown["total"] == len(stored) * 2500 and shown["consumed"] == len(stored) * 5
    # The minutes after the history ended have no data: a gap with its range and reason.
    gaps = body["status"]["gaps"]
    assert gaps and gaps[-1]["reason"] == "no data: the total query has no series"
    assert gaps[-1]["start"] >= history["last"].isoformat().replace("+00:00", "Z")


def test_counter_reset_is_counted_by_increase(tenants, source, history):
    slo = promql_slo(tenants.a, source, good=f'{HISTORY}_total{{case="reset"}}',
                     total=f'{HISTORY}_total{{case="reset"}}', days=1)  # fmt: skip
    sli_fetch(account=tenants.a, sli=slo.promql, now=timezone.now())
    stored = _stored(slo)
    reset_slot = dt.datetime.fromtimestamp(history["reset_at"] // 300 * 300, tz=dt.UTC)
    # 100 requests a minute, the restart included: never a negative or a short slot.
    assert stored[reset_slot] == (500_000, 500_000)
    assert set(stored.values()) == {(500_000, 500_000)}


def test_backfill_is_chunked_under_the_points_limit_with_the_same_counts(
    tenants, source, history, monkeypatch
):
    whole = _ratio_slo(tenants, source)
    now = timezone.now()
    one = sli_fetch(account=tenants.a, sli=whole.promql, now=now)
    monkeypatch.setattr(sli_service, "MAX_POINTS", 1000)
    chunked = _ratio_slo(tenants, source)
    many = sli_fetch(account=tenants.a, sli=chunked.promql, now=now)
    assert many.queries >= one.queries + 8  # 8,640 slots in chunks of 1,000 points
    assert _stored(chunked) == _stored(whole)


def test_fetching_again_rewrites_slots_and_never_adds(tenants, source, history):
    slo = _ratio_slo(tenants, source, days=1)
    now = timezone.now()
    sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    first = _stored(slo)
    PromQLSLI.objects.filter(pk=slo.promql.pk).update(final_to=None)  # fetch it all again
    slo.promql.refresh_from_db()
    again = sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    assert _stored(slo) == first and again.changed == 0
    # The next minute only asks for what is new: no range over the whole window again.
    later = sli_fetch(account=tenants.a, sli=slo.promql, now=now + dt.timedelta(minutes=1))
    assert later.queries <= 3


def test_nan_and_inf_samples_are_gaps_not_counts(tenants, source, history):
    total = f"sum(increase({HISTORY}_total{{case='ratio'}}[{{{{window}}}}])) * (0 / 0)"
    slo = promql_slo(tenants.a, source, good=f'{HISTORY}_total{{case="ratio"}}', total=total,
                     days=1)  # fmt: skip
    sli_fetch(account=tenants.a, sli=slo.promql, now=timezone.now())
    assert _stored(slo) == {}
    reasons = set(PromQLGap.objects.filter(slo=slo).values_list("reason", flat=True))
    assert "the total query gave NaN" in reasons


def test_prometheus_clock_behind_ours_caps_the_fetch(tenants, source, history):
    """Our clock 10 minutes ahead (or Prometheus' behind): nothing past Prometheus' own now
    is fetched or made final."""
    slo = _ratio_slo(tenants, source, days=1)
    ahead = timezone.now() + dt.timedelta(minutes=10)
    sli_fetch(account=tenants.a, sli=slo.promql, now=ahead)
    slo.promql.refresh_from_db()
    assert slo.promql.final_to <= timezone.now()
    assert not PromQLGap.objects.filter(slo=slo, start__gte=timezone.now() + SLOT).exists()


def _live_slo(tenants, source, case: str, **extra):
    return promql_slo(
        tenants.a,
        source,
        bad=f'sla_test_live_requests_total{{case="{case}",code="500"}}',
        total=f'sla_test_live_requests_total{{case="{case}"}}',
        **extra,
    )


def _count(exporter, case: str, ok: int, bad: int) -> None:
    exporter.inc_many(
        [
            ("sla_test_live_requests", ok, {"case": case, "code": "200"}),
            ("sla_test_live_requests", bad, {"case": case, "code": "500"}),
        ]
    )


def test_stopping_prometheus_leaves_a_gap_and_restarting_fills_it(
    tenants, source, prometheus_server, prometheus_exporter
):
    wait_clear_of_slot_edge(margin=40)
    _count(prometheus_exporter, "gap", 0, 0)
    prometheus_server.wait_for_scrape()
    slo = _live_slo(tenants, source, "gap", days=1)
    _count(prometheus_exporter, "gap", 900, 100)
    prometheus_server.wait_for_scrape()
    sli_fetch(account=tenants.a, sli=slo.promql, now=timezone.now())
    running = floor_to(timezone.now(), SLOT)
    before = _stored(slo)[running]

    prometheus_server.stop()
    try:
        _count(prometheus_exporter, "gap", 900, 100)  # counted while Prometheus is down
        down = sli_fetch(account=tenants.a, sli=slo.promql, now=timezone.now())
        assert "cannot connect" in down.error
        body = client_for(tenants.token_a).get(f"/api/v1/slos/{slo.pk}").json()
        errors = [gap for gap in body["status"]["gaps"] if gap["kind"] == "error"]
        assert errors and "cannot connect" in errors[-1]["reason"]
        assert errors[-1]["end"] > errors[-1]["start"]
    finally:
        prometheus_server.start()
    prometheus_server.wait_for_scrape()
    now = timezone.now()
    filled = sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    assert not filled.error
    assert not PromQLGap.objects.filter(slo=slo, kind="error").exists()
    good, total = _stored(slo)[running]
    # What Prometheus itself answers for the running slot at that instant ...
    at, window = running_window(running, now)
    [answer] = prometheus_server.query(
        f'sum(increase(sla_test_live_requests_total{{case="gap"}}[{window}]))', at=at.timestamp()
    )
    assert total == round(float(answer["value"][1]) * 1000)
    # ... and it took in the requests counted while it was down.
    assert total > before[1] and good / total == pytest.approx(0.9, abs=0.01)


def test_error_burst_fires_the_page_alert_and_sends_the_signed_webhook(
    tenants, source, prometheus_server, prometheus_exporter, settings
):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    receiver = Receiver(secret="s3cret-for-prometheus-tests").start()
    try:
        WebhookEndpointFactory(account=tenants.a, url=receiver.url, secret=receiver.secret)
        wait_clear_of_slot_edge()
        _count(prometheus_exporter, "burst", 0, 0)
        prometheus_server.wait_for_scrape()
        slo = _live_slo(tenants, source, "burst", target="99.9")
        _count(prometheus_exporter, "burst", 700, 300)  # 30 % errors
        prometheus_server.wait_for_scrape()
        now = timezone.now()
        sli_fetch(account=tenants.a, sli=slo.promql, now=now)
        slo_buckets_refresh(account=tenants.a, now=now)
        stats = slo_alerts_evaluate(account=tenants.a, now=now)
        assert stats["fired"] >= 1
        outbox_process_due(now=now)
        firing = [r for r in receiver.accepted if r.json["type"] == "slo.alert.firing"]
        assert firing and all(item.signature_ok for item in firing)
        pages = [r.json["data"] for r in firing if r.json["data"]["alert"]["severity"] == "page"]
        assert pages and pages[0]["slo"]["sli_kind"] == "prometheus"
        assert pages[0]["alert"]["long_burn_rate"] >= 14.4
    finally:
        receiver.stop()


def test_a_longer_window_is_fetched_back(tenants, source, history):
    from sla.services.slo import slo_update

    slo = _ratio_slo(tenants, source, days=1)
    now = timezone.now()
    sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    one_day = len(_stored(slo))
    slo_update(account=tenants.a, slo=slo, window_days=3)
    slo.promql.refresh_from_db()
    sli_fetch(account=tenants.a, sli=slo.promql, now=now)
    assert len(_stored(slo)) >= one_day + 2 * 288
    slo_buckets_refresh(account=tenants.a, now=now)
    assert slo_status(account=tenants.a, slo=slo, now=now).budget.sli == Fraction(998, 1000)


def _gaps(slo) -> list[tuple]:
    return list(PromQLGap.objects.filter(slo=slo).values_list("start", "end", "reason", "kind"))


def test_several_slis_in_flight_store_what_one_at_a_time_stores(tenants, source, history, settings):
    """slis_fetch keeps the queries of several SLIs in flight at once (a connection each):
    every SLI gets exactly the slots and gaps a sequential fetch gives, the reset case
    included."""
    now = timezone.now()

    def fetch_all(concurrency: int) -> list[tuple]:
        settings.SLA_PROMETHEUS_FETCH_CONCURRENCY = concurrency
        slos = [_ratio_slo(tenants, source, days=2) for _ in range(5)]
        slos.append(promql_slo(tenants.a, source, good=f'{HISTORY}_total{{case="reset"}}',
                               total=f'{HISTORY}_total{{case="reset"}}', days=2))  # fmt: skip
        totals = sli_service.slis_fetch(account=tenants.a, now=now)
        assert totals["errors"] == 0
        stored = [(_stored(slo), _gaps(slo)) for slo in slos]
        for slo in slos:
            slo.delete()
        return stored

    one_at_a_time = fetch_all(1)
    in_flight = fetch_all(4)
    assert in_flight == one_at_a_time
    assert all(len(slots) >= 2 * 288 - 3 and gaps for slots, gaps in in_flight)


def test_a_failing_source_or_sli_leaves_gaps_for_itself_alone(
    tenants, source, history, settings, monkeypatch
):
    """Among SLIs fetched together, one on a source that refuses connections gets an error
    gap over its window and no slots, one whose fetch breaks in our code gets its error
    and stays unfetched (tried again next run); the others get every slot."""
    settings.SLA_PROMETHEUS_FETCH_CONCURRENCY = 3
    dead = PrometheusSource.objects.create(account=tenants.a, name="dead",
                                           url=f"http://127.0.0.1:{free_port()}")  # fmt: skip
    healthy = [_ratio_slo(tenants, source, days=1) for _ in range(4)]
    down = promql_slo(tenants.a, dead, bad='x{code="500"}', total="x", days=1)
    broken = _ratio_slo(tenants, source, days=1)
    numerator = sli_service._numerator

    def breaking(sli):  # a bug met by one SLI's fetch
        if sli.slo_id == broken.pk:
            raise RuntimeError("unexpected answer shape")
        return numerator(sli)

    monkeypatch.setattr(sli_service, "_numerator", breaking)
    now = timezone.now()
    totals = sli_service.slis_fetch(account=tenants.a, now=now)
    assert totals["slis"] == 6 and totals["errors"] == 2
    for slo in healthy:
        assert set(_stored(slo).values()) == {(2_495_000, 2_500_000)}
        assert len(_stored(slo)) >= 288 - 3
    assert _stored(down) == {} and _stored(broken) == {}
    [gap] = PromQLGap.objects.filter(slo=down)
    assert gap.kind == "error" and "cannot connect" in gap.reason
    assert gap.start == floor_to(now, SLOT) + SLOT - dt.timedelta(days=1)  # the window
    assert gap.end == floor_to(now, SLOT) + SLOT
    broken.promql.refresh_from_db()
    assert broken.promql.final_to is None and not PromQLGap.objects.filter(slo=broken).exists()
    assert broken.promql.last_error == "internal error: RuntimeError: unexpected answer shape"
    monkeypatch.undo()
    sli_service.slis_fetch(account=tenants.a, now=now)  # the next run fetches it
    assert set(_stored(broken).values()) == {(2_495_000, 2_500_000)}
