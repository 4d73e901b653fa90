"""End to end: SLA results of 10,000 services for one month from PostgreSQL.

Compares the time to compute the results (reading events, downtimes and states from the
database, evaluating) with a plain SELECT of the same events, on a bare psycopg connection
(the fastest baseline; the same SELECT through Django's cursor is printed beside it).
Also shows that memory stays flat in the number of periods (daily vs monthly SLA).

Run: ``python bench/bench_results.py [--services 10000] [--changes 50]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432);
its own database sla_bench_results is created if missing, migrated and refilled (COPY,
not timed). No Redis.

Targets (issue 3): results within 3x the plain SELECT (best of 3 each, warm cache); peak
traced memory of a daily SLA (31 periods per service) at most 1.5x that of a monthly one.
Exit code 1 if a target is missed.
"""

import argparse
import datetime as dt
import random
import sys
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, copy_rows, django_on_postgres, fresh_data, machine

BERLIN = ZoneInfo("Europe/Berlin")
# March 2024 in Berlin (the SLA's zone): 743 hours, DST change on the 31st.
MONTH_START = dt.datetime(2024, 3, 1, tzinfo=BERLIN)
MONTH_END = dt.datetime(2024, 4, 1, tzinfo=BERLIN)
NOW = dt.datetime(2024, 4, 2, tzinfo=dt.UTC)
BUSINESS_HOURS = {
    d: ["08:00-18:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
}


def _generate(account, services: int, changes: int, seed: int = 1):
    from sla.models import Service

    rng = random.Random(seed)
    Service.objects.bulk_create(
        [Service(account=account, path=f"bench/svc-{index:05d}") for index in range(services)],
        batch_size=5000,
    )
    service_ids = list(Service.objects.filter(account=account).values_list("pk", flat=True))
    event_rows, downtime_rows = [], []
    month_seconds = int((MONTH_END - MONTH_START).total_seconds())
    start_utc = MONTH_START.astimezone(dt.UTC)  # absolute arithmetic, never wall clock
    for service_id in service_ids:
        event_rows.append(_event(account.pk, service_id, start_utc - dt.timedelta(days=1), "OK"))
        for offset in sorted(rng.sample(range(month_seconds), changes)):
            state = "OK" if len(event_rows) % 2 else rng.choice(["WARN", "CRIT", "CRIT"])
            event_rows.append(
                _event(account.pk, service_id, start_utc + dt.timedelta(seconds=offset), state)
            )
        for _ in range(rng.randint(1, 3)):
            start = MONTH_START.astimezone(dt.UTC) + dt.timedelta(
                seconds=rng.randrange(month_seconds)
            )
            end = start + dt.timedelta(minutes=rng.randint(15, 180))
            downtime_rows.append(
                (account.pk, service_id, "bench", start, end, "once", "[]", "UTC", False, NOW)
            )
    copy_rows(
        "sla_statusevent",
        ["account_id", "service_id", "at", "state", "message", "dedup_key", "received_at"],
        event_rows,
    )
    copy_rows(
        "sla_downtime",
        [
            "account_id",
            "service_id",
            "reason",
            "start",
            "end",
            "recurrence",
            "weekdays",
            "timezone",
            "public",
            "created_at",
        ],
        downtime_rows,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # statistics, as autovacuum would gather them
        cursor.execute("ANALYZE sla_statusevent, sla_downtime, sla_service")
    return len(event_rows)


def _event(account_id, service_id, at, state):
    key = f"b:{service_id}:{at.timestamp()}"
    return (account_id, service_id, at, state, "", key, NOW)


def _fresh_account():
    from accounts.models import Account

    fresh_data()
    return Account.objects.create(name="Bench", slug="bench")


def _sla(account, period: str):
    from sla.models import Requirement, SLADefinition, TimePeriod

    hours, _ = TimePeriod.objects.get_or_create(
        account=account, name="business hours", defaults={"definition": BUSINESS_HOURS}
    )
    sla = SLADefinition.objects.create(
        account=account,
        title=f"bench {period}",
        period=period,
        timezone="Europe/Berlin",
        time_period=hours,
    )
    Requirement.objects.create(
        account=account,
        sla=sla,
        position=0,
        title="Availability",
        kind="percentage",
        state="OK",
        comparison="min",
        target=99.5,
        level_warn=50,
        level_crit=10,
    )
    Requirement.objects.create(
        account=account,
        sla=sla,
        position=1,
        title="Outages",
        kind="outages",
        state="CRIT",
        max_count=3,
        min_duration_seconds=300,
    )
    sla.refresh_from_db()
    return sla


def _plain_select_django(account) -> tuple[float, int]:
    """The month's events through Django's connection (datetimes built by Django's loader)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_SELECT, [account.pk, MONTH_START, NOW])
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def _plain_select_psycopg(account) -> tuple[float, int]:
    """The same SELECT on a bare psycopg connection (C loaders): the fastest baseline."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as bare:
        started = time.perf_counter()
        rows = bare.execute(PLAIN_SELECT, [account.pk, MONTH_START, NOW]).fetchall()
        return time.perf_counter() - started, len(rows)


PLAIN_SELECT = (
    "SELECT service_id, at, state FROM sla_statusevent WHERE account_id = %s "
    "AND at >= %s AND at < %s ORDER BY service_id, at"
)


def _results(account, sla, services, store: bool, trace: bool = False) -> tuple[float, int, float]:
    from sla.engine import iter_periods
    from sla.services.results import period_results_compute_bulk

    periods = list(iter_periods(sla.period, sla.timezone, MONTH_START, MONTH_END))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    computed = period_results_compute_bulk(
        account=account, sla=sla, services=services, periods=periods, now=NOW, store=store
    )
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return elapsed, computed, peak


def _best(runs: int, measure):
    return min((measure() for _ in range(runs)), key=lambda figures: figures[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=50)
    args = parser.parse_args()
    django_on_postgres("sla_bench_results")
    from sla.models import Service

    account = _fresh_account()
    started = time.perf_counter()
    events = _generate(account, args.services, args.changes)
    print(f"machine: {machine()}")
    print(
        f"generated {args.services} services, {events} events, "
        f"{time.perf_counter() - started:.1f} s"
    )
    services = list(Service.objects.filter(account=account))
    monthly = _sla(account, "monthly")
    _plain_select_django(account)  # warm PostgreSQL's cache: every timing reads from memory
    django_select = _best(3, lambda: _plain_select_django(account))
    bare_select = _best(3, lambda: _plain_select_psycopg(account))
    compute = _best(3, lambda: _results(account, monthly, services, store=False))
    print(f"plain SELECT, Django cursor:  {django_select[0]:.2f} s ({django_select[1]} rows)")
    print(f"plain SELECT, bare psycopg:   {bare_select[0]:.2f} s ({bare_select[1]} rows)")
    print(f"results (read + evaluate):    {compute[0]:.2f} s ({compute[1]} period results)")
    ratio = compute[0] / bare_select[0]
    print(f"ratio to the Django SELECT: {compute[0] / django_select[0]:.2f}x")
    targets = Targets("bench_results")
    targets.check(
        "results / plain SELECT (bare psycopg)",
        f"{compute[0]:.2f} s / {bare_select[0]:.2f} s = {ratio:.2f}x",
        "<= 3x",
        ratio <= 3,
    )
    stored = _results(account, monthly, services, store=True)
    print(f"results read + evaluated + stored (first write): {stored[0]:.2f} s")
    monthly_memory = _results(account, monthly, services, store=False, trace=True)[2]
    daily = _sla(account, "daily")
    daily_figures = _results(account, daily, services, store=False, trace=True)
    periods = daily_figures[1] // args.services
    targets.check(
        "peak traced memory, daily / monthly SLA",
        f"{daily_figures[2]:.1f} MiB ({periods} periods/service) / {monthly_memory:.1f} MiB "
        f"(1 period/service) = {daily_figures[2] / monthly_memory:.2f}x",
        "<= 1.5x (flat in the number of periods)",
        daily_figures[2] <= 1.5 * monthly_memory,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
