"""Benchmark: budgets, burn rates and alert evaluation for 10,000 SLOs from stored buckets.

Run: ``python bench/bench_slo.py [SLOS] [--keep]`` (default 10,000 SLOs; also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_slo (created if missing, migrated, emptied and refilled; with
--keep the data of an earlier run with the same SLO count is reused); no Redis.
Data (one INSERT ... SELECT, not timed): 10 accounts x 1,000 SLOs, half time SLIs, half
request SLIs, with 31 days of hour and day buckets each (7.6 M hour rows). Timed, from the
buckets:

  1. budget and burn rates (5m, 30m, 1h, 6h, 3d) of every SLO over its 30-day window;
  2. the per-minute alert evaluation (the same reads + the multi-window state machine),
     a first run in which alerts fire and a second, steady-state run;
  3. the per-minute bucket advance (time SLIs through the engine) in steady state (no
     target; shown for scale).

Targets (issue 5): 1. under 5 s; 2. under 10 s (each run). Exit code 1 if missed.
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_slo"
TARGET_BUDGETS_SECONDS = 5.0
TARGET_ALERTS_SECONDS = 10.0
ACCOUNTS = 10
NOW = dt.datetime(2026, 11, 21, 12, 2, 30, tzinfo=dt.UTC)
DAYS = 31


def _populate(total_slos: int) -> None:
    from django.db import connection

    from accounts.models import Account
    from sla.models import SLO, Service, StatusEvent

    per_account = total_slos // ACCOUNTS
    for number in range(ACCOUNTS):
        account = Account.objects.create(name=f"Bench {number}", slug=f"bench-{number}")
        services = Service.objects.bulk_create(
            [Service(account=account, path=f"team/svc-{index}") for index in range(per_account)]
        )
        StatusEvent.objects.bulk_create(
            [
                StatusEvent(
                    account=account,
                    service=service,
                    at=NOW - dt.timedelta(days=DAYS + 1),
                    state="OK",
                    dedup_key=f"b{service.pk}",
                )
                for service in services
            ]
        )
        SLO.objects.bulk_create(
            [
                SLO(
                    account=account,
                    name=f"slo {index}",
                    service=service,
                    sli_kind="time" if index % 2 else "requests",
                    target="99.9",
                    window_days=30,
                    buckets_computed_to=NOW - dt.timedelta(minutes=1),
                )
                for index, service in enumerate(services)
            ]
        )
    start = (NOW - dt.timedelta(days=DAYS)).replace(hour=0, minute=0, second=0)
    end = NOW.replace(minute=0, second=0)
    # One bad slot in 97 (half of it bad): budgets in use, a few SLOs burning.
    slot_good = (
        "300000000::bigint - (((s.id * 7919 + (extract(epoch from h)::bigint / 3600))"
        " %% 97 = 0)::int * 150000000)"
    )
    columns = ", ".join(f"good_{i}, total_{i}" for i in range(12))
    values = ", ".join("g.slot_good, 300000000" for _ in range(12))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sla_slohourbucket
                (account_id, slo_id, hour_start, day_start, good, total, {columns})
            SELECT g.account_id, g.id, g.h, date_trunc('day', g.h), 12 * g.slot_good,
                   3600000000, {values}
            FROM (
                SELECT s.account_id, s.id, h, {slot_good} AS slot_good
                FROM sla_slo s
                CROSS JOIN generate_series(%s::timestamptz, %s::timestamptz, '1 hour') h
            ) g
            """,
            [start, end],
        )
        cursor.execute(
            """
            INSERT INTO sla_slodaybucket (account_id, slo_id, day_start, good, total)
            SELECT account_id, slo_id, day_start, SUM(good), SUM(total)
            FROM sla_slohourbucket GROUP BY account_id, slo_id, day_start
            """
        )
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slos", nargs="?", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data of an earlier run")
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    print(f"machine: {machine()}")
    return _run(args.slos, args.keep)


def _run(total_slos: int, keep: bool) -> int:
    import time_machine

    from accounts.models import Account
    from sla.models import SLO, SLOHourBucket
    from sla.selectors.slo import slo_list, slo_statuses
    from sla.services.slo_alerts import slo_alerts_evaluate
    from sla.services.slo_buckets import slo_buckets_refresh

    started = time.perf_counter()
    if not (keep and SLO.objects.count() == total_slos):
        fresh_data()
        _populate(total_slos)
    rows = SLOHourBucket.objects.count()
    print(
        f"setup: {total_slos:,} SLOs, {rows:,} hour rows in {time.perf_counter() - started:.1f} s"
    )
    accounts = list(Account.objects.order_by("pk"))
    targets = Targets("bench_slo")

    started = time.perf_counter()
    burning = 0
    for account in accounts:
        statuses = slo_statuses(account=account, slos=list(slo_list(account=account)), now=NOW)
        burning += sum(1 for status in statuses.values() if (status.burn_rates[3600] or 0) > 1)
    budgets_seconds = time.perf_counter() - started
    print(f"{burning} SLOs burning faster than 1x over 1 h")
    targets.check(
        f"budgets + burn rates (30-day window, 5 lookbacks), {total_slos:,} SLOs",
        f"{budgets_seconds:.2f} s",
        f"< {TARGET_BUDGETS_SECONDS:.0f} s",
        budgets_seconds < TARGET_BUDGETS_SECONDS,
    )

    with time_machine.travel(NOW, tick=False):
        for label in ("first", "second"):
            started = time.perf_counter()
            fired = 0
            for account in accounts:
                fired += slo_alerts_evaluate(account=account, now=NOW)["fired"]
            seconds = time.perf_counter() - started
            targets.check(
                f"per-minute alert evaluation ({label} run, {fired} alerts fired), "
                f"{total_slos:,} SLOs",
                f"{seconds:.2f} s",
                f"< {TARGET_ALERTS_SECONDS:.0f} s",
                seconds < TARGET_ALERTS_SECONDS,
            )
        started = time.perf_counter()
        for account in accounts:
            slo_buckets_refresh(account=account, now=NOW)
        print(
            f"per-minute bucket advance (steady state) for {total_slos:,} SLOs: "
            f"{time.perf_counter() - started:.2f} s (no target)"
        )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
