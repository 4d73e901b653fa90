"""Operator dashboard of an account with 1,000 services: server-side render time.

Target: GET /dashboard/ under 300 ms (median), with a number of SQL queries that does not
grow with the number of services. Timed in-process with Django's test client (URL routing,
middleware, session, queries, templates; no network), DEBUG off. The data (bench/
reports_data.py) is generated relative to now; the current period results are stored as
the 5-minute job stores them, yesterday's report is built, and a first view fills the older
periods nobody has stored yet (shown separately, it happens once).

Run: ``python bench/bench_dashboard.py [--services 1000] [--runs 30] [--keep]`` (also part
of ``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_dashboard (created if missing, migrated, emptied and refilled;
--keep reuses the data of an earlier run); no Redis. The query count of /dashboard/ is
printed; tests/reporting/test_dashboard.py pins it (bounded, independent of the number of
services). Exit code 1 if the target is missed.
"""

import argparse
import atexit
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, machine

os.environ["SLA_REPORT_DIR"] = tempfile.mkdtemp(prefix="bench-dashboard-")
atexit.register(shutil.rmtree, os.environ["SLA_REPORT_DIR"], ignore_errors=True)

DATABASE = "sla_bench_dashboard"
TARGET_MS = 300


def _timed(client, url: str, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    return timings, queries


def _line(label: str, timings: list[float], queries: int) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{label:<44} median {statistics.median(timings):6.1f} ms, p95 {p95:6.1f} ms, "
        f"min {ordered[0]:6.1f} ms, {queries} queries"
    )


def _setup(args):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from accounts.models import Account, Membership
    from bench.reports_data import generate
    from reporting.services.reports import daily_report_build

    now = timezone.now()
    account = Account.objects.filter(slug="bench-reports").first()
    if account is None or not args.keep:
        started = time.perf_counter()
        account, figures = generate(now=now, services=args.services)
        yesterday = account.today(now) - dt.timedelta(days=1)
        daily_report_build(account=account, day=yesterday, notify=False, now=now)
        print(f"generated {figures} in {time.perf_counter() - started:.0f} s (not timed)")
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    Membership.objects.get_or_create(account=account, user=user, defaults={"role": "viewer"})
    return account, user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse the generated data")
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    from django.test import Client

    from accounts.services import token_create
    from reporting.selectors.dashboard import sla_assignments
    from sla.models import Service

    print(f"machine: {machine()}")
    account, user = _setup(args)
    services = Service.objects.filter(account=account).count()
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    client.get("/dashboard/")
    print(
        f"account: {services} services; first view (fills unstored periods once): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    gold = next(iter(sla_assignments(account=account).by_sla))
    service = Service.objects.filter(account=account).order_by("path").first()
    _, secret = token_create(account=account, name="bench", scopes=["read"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    pages = [
        ("GET /dashboard/", client, "/dashboard/"),
        ("GET /dashboard/?days=90", client, "/dashboard/?days=90"),
        ("GET /dashboard/slas/<id>/ (100 rows)", client, f"/dashboard/slas/{gold.pk}/"),
        ("GET /dashboard/services/<id>/sla/", client, f"/dashboard/services/{service.pk}/sla/"),
        ("GET /api/v1/dashboard/stats", api, "/api/v1/dashboard/stats"),
        ("GET /api/v1/dashboard/period-results", api, "/api/v1/dashboard/period-results"),
        ("GET /api/v1/dashboard/trend?days=90", api, "/api/v1/dashboard/trend?days=90"),
    ]
    results = {}
    for label, who, url in pages:
        who.get(url)  # warm: templates compiled, caches filled
        results[label] = _timed(who, url, args.runs)
        print(_line(label, *results[label]))
    median = statistics.median(results["GET /dashboard/"][0])
    targets = Targets("bench_dashboard")
    targets.check(
        f"GET /dashboard/, {services:,} services, server side (median of {args.runs})",
        f"{median:.1f} ms ({results['GET /dashboard/'][1]} SQL queries)",
        f"< {TARGET_MS} ms",
        median < TARGET_MS,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
