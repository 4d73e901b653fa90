"""GraphQL `slaPeriodResults` against REST `dashboard/period-results`, side by side.

The same page: 1,000 services x their SLA's last 6 periods, every field the REST answer
has, asked over GraphQL (`first: 1000`) and over REST (`page_size=1000`), alternately so a
busy machine slows both alike. Timed in-process with Django's test client (routing,
middleware, token, queries, serialisation; no network), DEBUG off, after a warm-up that
fills the stored periods once.

Run: ``python bench/bench_graphql.py [--services 1000] [--last 6] [--runs 20] [--keep]``
(also part of ``make bench``). PostgreSQL at BENCH_PG_SERVER (default
postgres://postgres@127.0.0.1:5432), its own database sla_bench_graphql (created if
missing, migrated, emptied and refilled by bench/reports_data.py; --keep reuses the data).
No Redis.

Target (issue 16): GraphQL median within 1.5x the REST median. Exit code 1 if missed.
"""

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, machine

os.environ["SLA_REPORT_DIR"] = tempfile.mkdtemp(prefix="bench-graphql-")
atexit.register(shutil.rmtree, os.environ["SLA_REPORT_DIR"], ignore_errors=True)

DATABASE = "sla_bench_graphql"
TARGET_RATIO = 1.5
QUERY = """query($first: Int!, $last: Int!) {
  slaPeriodResults(first: $first, last: $last) {
    totalCount last pageInfo { hasNextPage endCursor }
    edges { node {
      service { id path name } sla { id title period timezone }
      periods { start end complete state
        requirements { title kind state value remaining count } } } } } }"""


def _setup(args):
    from django.utils import timezone

    from accounts.models import Account
    from bench.reports_data import generate

    account = Account.objects.filter(slug="bench-reports").first()
    if account is None or not args.keep:
        started = time.perf_counter()
        account, figures = generate(now=timezone.now(), services=args.services)
        print(f"generated {figures} in {time.perf_counter() - started:.0f} s (not timed)")
    return account


def _rest(client, args) -> tuple[float, int]:
    url = f"/api/v1/dashboard/period-results?last={args.last}&page_size={args.services}"
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content[:300]
    return elapsed, len(response.json()["results"])


def _graphql(client, args) -> tuple[float, int]:
    body = json.dumps({"query": QUERY, "variables": {"first": args.services, "last": args.last}})
    started = time.perf_counter()
    response = client.post("/graphql", body, content_type="application/json")
    elapsed = (time.perf_counter() - started) * 1000
    answer = response.json()
    assert response.status_code == 200 and "errors" not in answer, str(answer)[:300]
    return elapsed, len(answer["data"]["slaPeriodResults"]["edges"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--last", type=int, default=6)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the generated data")
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    from django.conf import settings
    from django.test import Client

    from accounts.services import token_create

    settings.GRAPHQL_MAX_NODES = max(settings.GRAPHQL_MAX_NODES, 10 * args.services * args.last)
    print(f"machine: {machine()}")
    account = _setup(args)
    _, secret = token_create(account=account, name="bench-graphql", scopes=["read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    rows = _rest(client, args)[1]  # warm-up: fills unstored periods once
    _graphql(client, args)
    timings = {"REST": [], "GraphQL": []}
    for _ in range(args.runs):
        timings["REST"].append(_rest(client, args)[0])
        timings["GraphQL"].append(_graphql(client, args)[0])
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, values in timings.items():
        print(
            f"{name:<8} {rows} rows x {args.last} periods: median {medians[name]:7.1f} ms, "
            f"min {min(values):7.1f} ms, max {max(values):7.1f} ms ({args.runs} runs)"
        )
    ratio = medians["GraphQL"] / medians["REST"]
    targets = Targets("bench_graphql")
    targets.check(
        f"GraphQL slaPeriodResults / REST period-results, {rows:,} services x {args.last} periods",
        f"{ratio:.2f}x ({medians['GraphQL']:.0f} ms vs {medians['REST']:.0f} ms)",
        f"<= {TARGET_RATIO}x",
        ratio <= TARGET_RATIO,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
