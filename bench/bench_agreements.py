"""Benchmark: agreements assessed on time against a real Prometheus (issue 15).

Run: ``python bench/bench_agreements.py [--agreements 10000] [--accounts 10]
[--interval 30] [--rounds 3] [--shards 100] [--broken-share 0.1]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER, its own database sla_bench_agreements
(created, migrated, emptied); no Redis (the units run in this process, as one worker).
Debian's ``prometheus`` on PATH: a temporary Prometheus on a free port scraping a test
exporter every second; the exporter serves the gauge ``bench_agreement_value`` for
``--shards`` shards, ``--broken-share`` of them above the threshold (so rounds write
violations and notifications too).

Set-up (not timed): ``--agreements`` started agreements over ``--accounts`` accounts, one
guarantee each, ``[bench_agreement_value{shard="S",instance!="none-I"}] < 1000`` (a
distinct query text per agreement, so Prometheus answers every one: nothing is shared),
first due times spread over one interval, as agreements created at different times are.

Timed: ``--rounds`` intervals of the beat as in production: every 10 s ``agreements.
dispatch`` runs and each account's unit assesses its due agreements (claim, one instant
query per guarantee, judge, write results, counters, levels, violations and events in one
transaction per batch). Printed: assessments per second of busy time, the share of that
time spent waiting for Prometheus, and each round's lateness (finish - due).

Target (issue 15): every due round finishes within its interval (max lateness < interval).
Exit code 1 if missed.
"""

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_agreements"
METRIC = "bench_agreement_value"
THRESHOLD = 1000
DISPATCH_SECONDS = 10


def _start_prometheus(directory: Path, shards: int, broken_share: float):
    from tests.prometheus_server import Exporter, PrometheusServer

    exporter = Exporter()
    broken = round(shards * broken_share)
    for shard in range(shards):
        exporter.set(METRIC, THRESHOLD * 2 if shard < broken else 10, {"shard": str(shard)})
    server = PrometheusServer("prometheus", exporter, directory)
    server.start()
    server.wait_for(f"count({METRIC})", lambda result: bool(result) and
                    int(result[0]["value"][1]) == shards, seconds=60)  # fmt: skip
    return server, exporter


def _populate(count: int, accounts: int, shards: int, interval: int, url: str, now):
    from accounts.models import Account
    from agreements.models import Agreement, Guarantee, new_agreement_id
    from integrations.prometheus.models import PrometheusSource

    tenants = Account.objects.bulk_create(
        [
            Account(name=f"Bench agreements {n}", slug=f"bench-agreements-{n}")
            for n in range(accounts)
        ]
    )
    sources = {
        tenant.pk: PrometheusSource.objects.create(account=tenant, name="default", url=url)
        for tenant in tenants
    }
    rows = []
    for index in range(count):
        tenant = tenants[index % accounts]
        offset = dt.timedelta(seconds=interval * index / count)
        rows.append(
            Agreement(
                account=tenant, agreement_id=new_agreement_id(f"App{index}"), name=f"App{index}",
                state="started", created_at=now, expires_at=now + dt.timedelta(days=365),
                interval_seconds=interval, source=sources[tenant.pk], next_due_at=now + offset,
            )
        )  # fmt: skip
    agreements = Agreement.objects.bulk_create(rows, batch_size=2000)
    guarantees = []
    for index, agreement in enumerate(agreements):
        matchers = f'{{shard="{index % shards}",instance!="none-{index}"}}'
        guarantees.append(
            Guarantee(
                account_id=agreement.account_id, agreement=agreement, name="g",
                query=f"[{METRIC}#LABELS#{matchers}] < {THRESHOLD}",
                constraint=f"[{METRIC}{matchers}] < {THRESHOLD}", resolved=True,
            )
        )  # fmt: skip
    Guarantee.objects.bulk_create(guarantees, batch_size=2000)
    return tenants


def _run_rounds(tenants, interval: int, rounds: int, start):
    """The beat every DISPATCH_SECONDS for ``rounds`` intervals; returns the statistics of
    every batch and the lateness (finish - due) of every assessed round."""
    from django.utils import timezone

    from agreements.services.assessment import AssessStats, agreements_assess_due
    from agreements.services.definitions import agreements_expire

    total, lateness = AssessStats(), []
    end = start + dt.timedelta(seconds=interval * rounds)
    tick = start
    # Real time decides: a tick that finds the units still busy runs late (no catch-up
    # burst), and the run stops at the end of the last interval.
    while timezone.now() <= end:
        pause = (tick - timezone.now()).total_seconds()
        if pause > 0:
            time.sleep(pause)
        agreements_expire(now=timezone.now())
        for tenant in tenants:
            stats = agreements_assess_due(account=tenant)
            total.add(stats)
            lateness += stats.late_seconds
        tick = max(tick + dt.timedelta(seconds=DISPATCH_SECONDS), timezone.now())
    return total, lateness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shards", type=int, default=100)
    parser.add_argument("--broken-share", type=float, default=0.1)
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    from django.conf import settings
    from django.utils import timezone

    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = True
    fresh_data()
    print(machine())
    targets = Targets("bench_agreements")
    with tempfile.TemporaryDirectory(prefix="bench-agreements-") as directory:
        server, exporter = _start_prometheus(Path(directory), args.shards, args.broken_share)
        try:
            start = timezone.now() + dt.timedelta(seconds=5)
            started = time.monotonic()
            tenants = _populate(args.agreements, args.accounts, args.shards, args.interval,
                                server.url, start)  # fmt: skip
            print(f"set-up: {args.agreements} agreements in {args.accounts} accounts, "
                  f"{time.monotonic() - started:.1f} s")  # fmt: skip
            start = max(start, timezone.now())
            stats, lateness = _run_rounds(tenants, args.interval, args.rounds, start)
        finally:
            server.stop()
            exporter.close()
    _report(targets, stats, lateness, args)
    return targets.exit_code()


def _report(targets, stats, lateness, args) -> None:
    expected = args.agreements * args.rounds  # rounds due in the measured intervals
    rate = stats.assessed / stats.seconds if stats.seconds else 0.0
    share = stats.prometheus_seconds / stats.seconds if stats.seconds else 0.0
    print(
        f"assessed {stats.assessed} rounds (expected about {expected}): met {stats.met}, "
        f"broken {stats.broken}, unknown {stats.unknown}; {stats.queries} instant queries"
    )
    print(f"busy {stats.seconds:.1f} s: {rate:,.0f} assessments/s; waiting for Prometheus "
          f"{stats.prometheus_seconds:.1f} s = {share:.0%} of the busy time")  # fmt: skip
    worst = max(lateness, default=0.0)
    if lateness:
        print(f"lateness (results stored - due): median {statistics.median(lateness):.1f} s, "
              f"max {worst:.1f} s")  # fmt: skip
    targets.check(
        f"{args.agreements} agreements at {args.interval} s, max lateness",
        f"{worst:.1f} s",
        f"< {args.interval} s",
        bool(lateness) and worst < args.interval and stats.unknown == 0,
    )


if __name__ == "__main__":
    sys.exit(main())
