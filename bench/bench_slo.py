"""Benchmark: budgets, burn rates and alert evaluation for 10,000 SLOs from stored buckets.

Builds a throw-away test database (PostgreSQL when DATABASE_URL points at one) with
10 accounts x 1,000 SLOs and 31 days of hour and day buckets each (7.4 M hour rows), then
times, from the buckets:
  1. budget and burn rates (5m, 30m, 1h, 6h, 3d) of every SLO over its 30-day window;
  2. the per-minute alert evaluation (the same reads + the multi-window state machine);
  3. the per-minute bucket advance (time SLIs through the engine) in steady state.
Usage: python bench/bench_slo.py [SLOS]   (default 10000; PostgreSQL strongly advised)
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")

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


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    total_slos = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    if connection.vendor != "postgresql":
        print("bench_slo needs PostgreSQL: set DATABASE_URL=postgres://...")
        return
    keep = os.environ.get("BENCH_KEEPDB") == "1"  # re-use the generated data (development)
    old_name = connection.settings_dict["NAME"]
    # Its own database, so a test run on the same server is not disturbed.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(old_name).name}"
    connection.creation.create_test_db(verbosity=0, keepdb=keep, serialize=False)
    try:
        _run(total_slos)
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def _run(total_slos: int) -> None:
    import time_machine

    from accounts.models import Account
    from sla.models import SLOHourBucket
    from sla.selectors.slo import slo_list, slo_statuses
    from sla.services.slo_alerts import slo_alerts_evaluate
    from sla.services.slo_buckets import slo_buckets_refresh

    started = time.perf_counter()
    if not Account.objects.exists():
        _populate(total_slos)
    rows = SLOHourBucket.objects.count()
    print(
        f"setup: {total_slos:,} SLOs, {rows:,} hour rows in {time.perf_counter() - started:.1f} s"
    )
    accounts = list(Account.objects.order_by("pk"))

    started = time.perf_counter()
    burning = 0
    for account in accounts:
        statuses = slo_statuses(account=account, slos=list(slo_list(account=account)), now=NOW)
        burning += sum(1 for status in statuses.values() if (status.burn_rates[3600] or 0) > 1)
    budgets_seconds = time.perf_counter() - started
    print(
        f"budgets + burn rates (30-day window, 5 lookbacks) for {total_slos:,} SLOs: "
        f"{budgets_seconds:.2f} s ({burning} burning faster than 1x over 1 h)"
    )

    with time_machine.travel(NOW, tick=False):
        for label in ("first", "second"):
            started = time.perf_counter()
            fired = 0
            for account in accounts:
                fired += slo_alerts_evaluate(account=account, now=NOW)["fired"]
            seconds = time.perf_counter() - started
            print(
                f"per-minute alert evaluation ({label} run) for {total_slos:,} SLOs: "
                f"{seconds:.2f} s ({fired} alerts fired)"
            )
        started = time.perf_counter()
        for account in accounts:
            slo_buckets_refresh(account=account, now=NOW)
        print(
            f"per-minute bucket advance (steady state) for {total_slos:,} SLOs: "
            f"{time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
