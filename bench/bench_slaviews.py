"""SLA views: 1,000 services x 3 SLA columns x 12 monthly periods from stored results.

Target: GET /api/v1/sla-views/{id}/results (first page of 100 rows; aggregates and
summaries over all rows) under 1 s server side (median), with the same number of SQL
queries for a view of 10 services as for 1,000. Timed in-process with Django's test client
(routing, middleware, token auth, queries, JSON; no network), DEBUG off. The period results
are stored rows (36,000 of them, as the monthly job and the first view leave them), so
nothing is computed while timing.

Run: ``python bench/bench_slaviews.py [--services 1000] [--periods 12] [--runs 15]``
(also ``python bench/run.py slaviews``). PostgreSQL at BENCH_PG_SERVER, its own database
sla_bench_slaviews (created, migrated, emptied and refilled). Exit code 1 if a target is
missed.
"""

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_slaviews"
TARGET_MS = 1000
STATES = ["OK"] * 17 + ["WARN", "CRIT", "BROKEN"]


def _monthly(title: str, target) -> dict:
    return {
        "period": "monthly",
        "requirements": [
            {"title": title, "kind": "percentage", "state": "OK", "comparison": "min",
             "target": target}
        ],
    }  # fmt: skip


def _setup(services: int, periods: int, now: dt.datetime):
    from accounts.models import Account
    from sla.models import PeriodResult, Service
    from sla.selectors.results import last_periods
    from slaviews.models import SLAView, SLAViewColumn
    from tests.sla.sla_rows import sla_from_json

    fresh_data()
    account = Account.objects.create(name="Bench views", slug="bench-views")
    slas = [
        sla_from_json(account, _monthly(title, target), title)
        for title, target in (("Gold", 99.9), ("Silver", 99.5), ("Bronze", 99))
    ]
    rows = Service.objects.bulk_create(
        Service(account=account, path=f"team-{index % 20:02d}/service-{index:05d}")
        for index in range(services)
    )
    results = []
    for sla in slas:
        for number, (start, end) in enumerate(last_periods(sla, periods, now)):
            complete = end <= now
            for index, service in enumerate(rows):
                state = STATES[(index * 7 + number * 3 + sla.pk) % len(STATES)]
                results.append(
                    PeriodResult(
                        account=account, sla=sla, service=service, period_start=start,
                        period_end=end, complete=complete, state=state,
                        result={"state": state}, sla_revision=sla.revision,
                    )
                )  # fmt: skip
    PeriodResult.objects.bulk_create(results, batch_size=5000)
    views = {}
    for name, glob in (("all", ""), ("ten", "*/service-0000?")):
        view = SLAView.objects.create(
            account=account, name=name, path_glob=glob, last_periods=periods, service_sla=False
        )
        for position, sla in enumerate(slas):
            SLAViewColumn.objects.create(account=account, view=view, sla=sla, position=position)
        views[name] = view
    return account, views, len(results)


def _timed(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        queries = len(captured.captured_queries)
    return timings, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    from django.test import Client
    from django.utils import timezone

    from accounts.services import token_create

    print(f"machine: {machine()}")
    now = timezone.now()
    started = time.perf_counter()
    account, views, stored = _setup(args.services, args.periods, now)
    print(f"stored {stored:,} period results in {time.perf_counter() - started:.0f} s (not timed)")
    _, secret = token_create(account=account, name="bench", scopes=["read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    figures = {}
    for name, view in views.items():
        url = f"/api/v1/sla-views/{view.pk}/results"
        body = api.get(url).json()  # warm
        figures[name] = _timed(api, url, args.runs)
        timings, queries = figures[name]
        print(
            f"GET results, view {name!r}: {body['count']} services x {len(body['columns'])} "
            f"columns x {args.periods} periods: median {statistics.median(timings):.1f} ms, "
            f"min {min(timings):.1f} ms, {queries} queries"
        )
    median = statistics.median(figures["all"][0])
    targets = Targets("bench_slaviews")
    targets.check(
        f"GET /api/v1/sla-views/{{id}}/results, {args.services:,} services x 3 SLAs x "
        f"{args.periods} periods, server side (median of {args.runs})",
        f"{median:.1f} ms",
        f"< {TARGET_MS} ms",
        median < TARGET_MS,
    )
    targets.check(
        "SQL queries, view of 10 services vs all",
        f"{figures['ten'][1]} vs {figures['all'][1]}",
        "equal",
        figures["ten"][1] == figures["all"][1],
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
