"""Benchmark: PromQL SLIs from a real Prometheus, the Alertmanager receiver, /metrics.

Run: ``python bench/bench_prometheus.py [--slos 1000] [--days 30] [--series 100]
[--alerts 100] [--metrics-slos 10000]`` (also part of ``make bench``). PostgreSQL at
BENCH_PG_SERVER, its own database sla_bench_prometheus (created, migrated, emptied); Redis
at BENCH_REDIS_URL (tasks are queued there, not run inside the timed requests). Debian's
``prometheus`` and ``promtool`` on PATH: a temporary Prometheus on a free port, its
history written with ``promtool tsdb create-blocks-from openmetrics`` (``--series``
counter pairs, one sample every 5 minutes over ``--days`` + 1 days; SLO ``i`` reads pair
``i % series``, so Prometheus answers every SLO's queries from real blocks). Not timed: the
set-up. Timed:

  1. backfill of the window of every PromQL SLO (``slis_fetch`` on new SLIs: chunked range
     queries, parsing, raw day rows, gaps, dirty marks), beside the time Prometheus itself
     spends answering the same range queries (a plain HTTP loop, keep-alive, same bodies);
  2. the minutely incremental fetch of every SLO (settling slots and the running slot),
     beside the same plain loop;
  3. the SLO bucket rollup of the backfilled slots (``slo_buckets_refresh``; shown, no target);
  4. the Alertmanager receiver: one payload of ``--alerts`` alerts, server side (Django test
     client, median of 5 new payloads), and its repeat (all duplicates);
  5. ``GET /metrics`` (operator token) for ``--metrics-slos`` request SLOs with 30 days of
     buckets (median of 3).

Targets (issue 14): 1. under 60 s and at most 2x Prometheus' own time; 2. under 10 s and at
most 2x; 4. under 50 ms; 5. under 2 s. Exit code 1 if missed.
"""

import argparse
import datetime as dt
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_prometheus"
METRIC = "bench_requests"


def _openmetrics(series: int, days: int, end: int) -> str:
    """Counters of ``series`` pairs, one sample every 5 minutes: 997 good, 3 bad per slot."""
    first = end - (days + 1) * 86400
    steps = range((end - first) // 300 + 1)
    lines = [f"# TYPE {METRIC} counter"]
    for shard in range(series):
        for code, per_step in (("200", 997), ("500", 3)):
            lines.extend(
                f'{METRIC}_total{{shard="{shard}",code="{code}"}} {n * per_step} {first + n * 300}'
                for n in steps
            )
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _start_prometheus(directory: Path, series: int, days: int):
    from tests.prometheus_server import Exporter, PrometheusServer

    exporter = Exporter()
    server = PrometheusServer("prometheus", exporter, directory)
    end = int(time.time()) // 300 * 300 - 300
    started = time.monotonic()
    server.backfill(_openmetrics(series, days, end))  # also starts it
    server.wait_for('up{job="exporter"} == 1', seconds=60)
    print(f"history: {series} counter pairs x {days + 1} days, written and loaded in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    return server, exporter


def _populate_slos(url: str, slos: int, series: int, days: int):
    from accounts.models import Account
    from integrations.prometheus.models import PrometheusSource, PromQLSLI
    from sla.models import SLO, Service

    account = Account.objects.create(name="Bench Prometheus", slug="bench-prometheus")
    source = PrometheusSource.objects.create(account=account, name="bench", url=url)
    services = Service.objects.bulk_create(
        [Service(account=account, path=f"team/svc-{index}") for index in range(slos)]
    )
    objectives = SLO.objects.bulk_create(
        [
            SLO(account=account, name=f"slo {index}", service=service, sli_kind="prometheus",
                target="99.9", window_days=days)
            for index, service in enumerate(services)
        ]
    )  # fmt: skip
    PromQLSLI.objects.bulk_create(
        [
            PromQLSLI(
                account=account, slo=slo, source=source,
                bad_query=f'{METRIC}_total{{shard="{index % series}",code="500"}}',
                total_query=f'{METRIC}_total{{shard="{index % series}"}}',
            )
            for index, slo in enumerate(objectives)
        ]
    )  # fmt: skip
    return account


class _RecordingClient:
    """Wraps PrometheusClient._begin (every query is sent through it) to record the
    (path, body) of every query sent."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def install(self):
        from integrations.prometheus import client as module

        original = module.PrometheusClient._begin
        recorder = self

        def recording(client, path, params, *args, **kwargs):
            recorder.sent.append((path, dict(params)))  # list.append: safe from any thread
            return original(client, path, params, *args, **kwargs)

        module.PrometheusClient._begin = recording
        return original


def _plain_loop(url: str, sent: list[tuple[str, dict]]) -> float:
    """The same requests with bare http.client (keep-alive): Prometheus' own time."""
    host = url.split("://", 1)[1]
    connection = http.client.HTTPConnection(host, timeout=120)
    total = 0.0
    for path, params in sent:
        body = urlencode(params).encode()
        started = time.perf_counter()
        connection.request(
            "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = connection.getresponse()
        response.read()
        total += time.perf_counter() - started
    connection.close()
    return total


def _bench_fetch(targets: Targets, server, account, settings) -> None:
    from django.utils import timezone

    from integrations.prometheus.client import PrometheusClient
    from integrations.prometheus.services.sli import slis_fetch
    from sla.services.slo_buckets import slo_buckets_refresh

    recorder = _RecordingClient()
    original = recorder.install()
    try:
        now = timezone.now()
        started = time.perf_counter()
        stats = slis_fetch(account=account, now=now)
        backfill = time.perf_counter() - started
        backfill_sent = list(recorder.sent)
        recorder.sent.clear()
        time.sleep(1)
        started = time.perf_counter()
        incremental_stats = slis_fetch(account=account, now=timezone.now())
        incremental = time.perf_counter() - started
        incremental_sent = list(recorder.sent)
    finally:
        PrometheusClient._begin = original
    plain_backfill = _plain_loop(server.url, backfill_sent)
    plain_incremental = _plain_loop(server.url, incremental_sent)
    print(f"backfill: {stats['slis']} SLIs, {stats['queries']} queries, {stats['missing']} "
          f"slots without value; Prometheus alone {plain_backfill:.2f} s")  # fmt: skip
    targets.check("backfill of every window", f"{backfill:.2f} s", "< 60 s", backfill < 60)
    ratio = backfill / plain_backfill
    targets.check("backfill / Prometheus' own time", f"{ratio:.2f}x", "<= 2x", ratio <= 2)
    print(f"incremental: {incremental_stats['queries']} queries; Prometheus alone "
          f"{plain_incremental:.2f} s")  # fmt: skip
    targets.check("minutely incremental fetch", f"{incremental:.2f} s", "< 10 s", incremental < 10)
    ratio = incremental / plain_incremental
    targets.check("incremental / Prometheus' own time", f"{ratio:.2f}x", "<= 2x", ratio <= 2)
    started = time.perf_counter()
    slo_buckets_refresh(account=account, now=timezone.now())
    print(f"SLO bucket rollup of the backfilled slots: {time.perf_counter() - started:.2f} s "
          "(no target)")  # fmt: skip


def _payload(alerts: int, run: int) -> dict:
    return {
        "version": "4", "status": "firing", "receiver": "sla-portal",
        "alerts": [
            {"status": "firing", "fingerprint": f"{run:04x}{index:012x}",
             "labels": {"alertname": "HighErrorRate", "service": f"team/svc-{index}",
                        "severity": "critical" if index % 3 else "warning"},
             "startsAt": f"2026-11-21T10:{run:02d}:00Z", "endsAt": "0001-01-01T00:00:00Z"}
            for index in range(alerts)
        ],
    }  # fmt: skip


def _bench_receiver(targets: Targets, account, alerts: int) -> None:
    from django.test import Client

    from accounts.services import token_create

    _, token = token_create(account=account, name="bench", scopes=["ingest"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    timings = []
    for run in range(5):
        payload = _payload(alerts, run)
        started = time.perf_counter()
        response = client.post("/api/v1/integrations/alertmanager", payload, "application/json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    started = time.perf_counter()
    repeat = client.post(
        "/api/v1/integrations/alertmanager", _payload(alerts, 4), "application/json"
    )
    repeat_ms = (time.perf_counter() - started) * 1000
    assert repeat.json()["events_new"] == 0
    median = statistics.median(timings) * 1000
    print(f"receiver repeat of the last payload (all duplicates): {repeat_ms:.1f} ms")
    targets.check(f"Alertmanager payload of {alerts} alerts", f"{median:.1f} ms", "< 50 ms",
                  median < 50)  # fmt: skip


def _populate_request_slos(count: int, days: int):
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Account
    from sla.models import SLO, Service
    from sla.selectors.slo_windows import DAY, HOUR, floor_to

    account = Account.objects.create(name="Bench metrics", slug="bench-metrics")
    services = Service.objects.bulk_create(
        [
            Service(account=account, path=f"m/svc-{index}", current_state="OK")
            for index in range(count)
        ]
    )
    slos = SLO.objects.bulk_create(
        [SLO(account=account, name=f"m {i}", service=s, sli_kind="requests", target="99.9")
         for i, s in enumerate(services)]
    )  # fmt: skip
    now = timezone.now()
    first_day = floor_to(now, DAY) - dt.timedelta(days=days)
    last_hour = floor_to(now, HOUR)
    ids = [slo.pk for slo in slos]
    slot_columns = ", ".join(f"good_{i}, total_{i}" for i in range(12))
    slot_values = ", ".join("997, 1000" for _ in range(12))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sla_slohourbucket (account_id, slo_id, hour_start, day_start, good,"
            f" total, {slot_columns}) SELECT %s, s, h, date_trunc('day', h), 11964, 12000,"
            f" {slot_values} FROM unnest(%s::bigint[]) AS s,"
            " generate_series(%s::timestamptz - interval '80 hours', %s::timestamptz,"
            " interval '1 hour') AS h",
            [account.pk, ids, last_hour, last_hour],
        )
        cursor.execute(
            "INSERT INTO sla_slodaybucket (account_id, slo_id, day_start, good, total)"
            " SELECT %s, s, d, 287136, 288000 FROM unnest(%s::bigint[]) AS s,"
            " generate_series(%s::timestamptz, %s::timestamptz, interval '1 day') AS d",
            [account.pk, ids, first_day, floor_to(now, DAY) - DAY],
        )
    return account


def _bench_metrics(targets: Targets, count: int, days: int, settings) -> None:
    from django.test import Client

    settings.SLA_METRICS_TOKEN = "bench-operator-token"  # noqa: S105 - a throw-away value
    _populate_request_slos(count, days)
    client = Client(HTTP_AUTHORIZATION="Bearer bench-operator-token")
    timings, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        response = client.get("/metrics")
        timings.append(time.perf_counter() - started)
        size = len(response.content)
        assert response.status_code == 200
    median = statistics.median(timings)
    print(f"/metrics: {size / 1e6:.1f} MB of text")
    targets.check(f"/metrics for {count} SLOs", f"{median:.2f} s", "< 2 s", median < 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--metrics-slos", type=int, default=10_000)
    args = parser.parse_args()
    django_on_postgres(DATABASE, redis=True)
    from django.conf import settings

    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = True
    fresh_data()
    print(machine())
    targets = Targets("bench_prometheus")
    with tempfile.TemporaryDirectory(prefix="bench-prometheus-") as directory:
        server, exporter = _start_prometheus(Path(directory), args.series, args.days)
        try:
            account = _populate_slos(server.url, args.slos, args.series, args.days)
            _bench_fetch(targets, server, account, settings)
            _bench_receiver(targets, account, args.alerts)
        finally:
            server.stop()
            exporter.close()
    _bench_metrics(targets, args.metrics_slos, args.days, settings)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
