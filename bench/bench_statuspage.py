"""Public status page speed: cold render, then wrk against the cached page and a static file.

Run: ``python bench/bench_statuspage.py [--components 100] [--days 90] [--duration 15]``
(also part of ``make bench``; needs wrk: ``scripts/system-deps.sh --bench``).
PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432), its own
database sla_bench_statuspage (created if missing, migrated, emptied, one throw-away
account); Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, emptied before and
after) as the shared cache, as in production.

Builds a page of 100 components with 90 days of daily rollups (plus SLA results,
incidents and a maintenance), times cold renders in-process, starts gunicorn on 127.0.0.1
with the recommended flags (``--worker-class gthread --workers 2 --threads 4``: one
process per core, keep-alive; see GUNICORN_FLAGS) and runs wrk (2 threads, 100 keep-alive
connections, gzip) beside the refresh-ahead job in its own process (``manage.py
run_periodic_inprocess --only statuspage.refresh_ahead``, as a Celery worker with beat runs
it in production: popular documents are re-rendered there before they turn stale, so the
web workers only serve) against:

    1. the cached page through slaportal.wsgi:application (the status page edge cache):
       unpaced (as fast as the server answers: capacity, and p99 at that rate), then paced
       at --rates requests/s (each connection waits a random time between requests), so
       p99 is also known at a stated load and the highest rate with p99 < 25 ms is found;
    2. a static file served by the same server (WhiteNoise), the ceiling, the same way;
    3. the cached page through slaportal.wsgi:django_application (full Django stack),
       unpaced, for comparison (--only-edge skips it);

and prints requests/s, latency percentiles and the page/static ratio.

Targets (issue 7): cold render (in-process median) < 150 ms; from cache with 100
concurrent connections at least 1,000 requests/s (unpaced) and p99 < 25 ms, judged at
1,000 requests/s (the target's rate); p99 of the unpaced run is printed beside it with its
rate. Exit code 1 if a target is missed.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    Targets,
    django_on_postgres,
    fresh_data,
    machine,
    start_gunicorn,
    stop_gunicorn,
    wrk,
)

DATABASE = "sla_bench_statuspage"
SLUG = "bench-statuspage"
# Recommended gunicorn flags for the status page on 2 cores: one worker process per core,
# gthread with 4 threads so keep-alive connections (wrk's, a proxy's) are held by the
# worker's poller, not by a thread. sync workers close every connection and a connection
# opened before its request is sent holds a whole worker (``--gunicorn`` tries others).
GUNICORN_FLAGS = ["--worker-class", "gthread", "--workers", "2", "--threads", "4"]
TARGET_COLD_MS = 150.0
TARGET_P99_MS = 25.0
TARGET_RPS = 1000.0
CONNECTIONS = 100
GZIP = 'wrk.headers["Accept-Encoding"] = "gzip"\n'


def build_page(components: int, days: int, now: dt.datetime):
    """A page like a busy customer's: sections, SLA results, incidents, a maintenance."""
    from zoneinfo import ZoneInfo

    from accounts.models import Account
    from sla.models import (
        AssignmentRule,
        DailyUptime,
        Downtime,
        PeriodResult,
        Requirement,
        Service,
        SLADefinition,
    )
    from statuspage.models import ComponentGroup, StatusPage, StatusPageComponent
    from statuspage.services import public_incident_create, public_incident_update_post

    fresh_data()
    account = Account.objects.create(name="Bench Corp", slug=SLUG, timezone="Europe/Berlin")
    page = StatusPage.objects.create(
        account=account, title="Bench Corp Status", slug=SLUG, time_zone="Europe/Berlin"
    )
    sections = [
        ComponentGroup.objects.create(account=account, page=page, name=f"Region {n}", position=n)
        for n in range(10)
    ]
    sla = SLADefinition.objects.create(account=account, title="Standard", period="monthly")
    Requirement.objects.create(
        account=account,
        sla=sla,
        title="Availability",
        kind="percentage",
        comparison="min",
        target=99.9,
    )
    AssignmentRule.objects.create(account=account, sla=sla, path_glob="*")
    month_start = now.astimezone(ZoneInfo("UTC")).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    chance = random.Random(7)
    today = now.astimezone(ZoneInfo(account.timezone)).date()
    rows, results, shown = [], [], []
    for index in range(components):
        service = Service.objects.create(
            account=account,
            path=f"region-{index % 10}/service-{index}",
            current_state=chance.choice(["OK"] * 20 + ["WARN"]),
            current_state_since=now,
        )
        shown.append(
            StatusPageComponent.objects.create(
                account=account,
                page=page,
                service=service,
                name=f"Service {index}",
                section=sections[index % 10],
                position=index,
            )
        )
        for offset in range(days):
            crit = chance.choice([0.0] * 15 + [120.0, 900.0, 5400.0])
            warn = chance.choice([0.0] * 15 + [600.0])
            rows.append(
                DailyUptime(
                    account=account,
                    service=service,
                    day=today - dt.timedelta(days=offset),
                    seconds_ok=86400 - crit - warn,
                    seconds_crit=crit,
                    seconds_warn=warn,
                )
            )
        value = 100 - chance.random() * 0.2
        results.append(
            PeriodResult(
                account=account,
                sla=sla,
                service=service,
                period_start=month_start,
                period_end=month_end,
                complete=False,
                state="OK" if value >= 99.9 else "BROKEN",
                result={
                    "requirements": [
                        {
                            "title": "Availability",
                            "kind": "percentage",
                            "value": value,
                            "state": "OK",
                        }
                    ]
                },
                sla_revision=1,
            )
        )
    DailyUptime.objects.bulk_create(rows, batch_size=5000)
    PeriodResult.objects.bulk_create(results)
    for number in range(3):
        incident = public_incident_create(
            account=account,
            page=page,
            name=f"Incident {number}",
            body="Investigating.",
            components={shown[number]: "partial_outage"},
            started_at=now - dt.timedelta(days=number * 2, hours=1),
        )
        if number:
            public_incident_update_post(
                account=account, incident=incident, status="resolved", body="Resolved."
            )
    Downtime.objects.create(
        account=account,
        reason="Network maintenance",
        start=now + dt.timedelta(days=1),
        end=now + dt.timedelta(days=1, hours=2),
        public=True,
    )
    return page


def time_cold_renders(page, repeats: int) -> list[float]:
    from statuspage import documents

    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        documents.render(page, "", f"/status/{page.slug}")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def fetch(url: str) -> tuple[float, int, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        headers = dict(response.headers)
    return (time.perf_counter() - started) * 1000, len(body), headers


def line(label: str, figures: dict) -> str:
    return (
        f"{label:<40} {figures['rate']:>8,.0f} req/s   p50 {figures['p50']:6.2f} ms   "
        f"p90 {figures['p90']:6.2f} ms   p99 {figures['p99']:6.2f} ms   "
        f"errors {figures['errors']}, non-2xx {figures['status_errors']}"
    )


def cold_over_http(url: str, repeats: int) -> list[float]:
    """Bump the page's cache version (shared Redis only) and time the re-rendering request."""
    from statuspage import cache

    timings = []
    for _ in range(repeats):
        cache.bump([SLUG])
        time.sleep(cache.LOCAL_CHECK_SECONDS + 0.1)  # workers re-check versions every second
        elapsed, _, headers = fetch(url)
        if headers.get("X-Status-Cache") == "MISS":
            timings.append(elapsed)
    return timings


def start_refresh_ahead() -> subprocess.Popen:
    """The production set-up's refresh-ahead job (statuspage.refresh_ahead, every 10 s) in
    its own process, as a Celery worker with beat would run it beside the web server."""
    command = [
        sys.executable, "manage.py", "run_periodic_inprocess", "--only",
        "statuspage.refresh_ahead",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def measure(app: str, page_path: str, duration: int, rates: list[int]) -> dict:
    server, port = start_gunicorn(app, GUNICORN_FLAGS)
    refresher = start_refresh_ahead()
    base = f"http://127.0.0.1:{port}"
    runs: dict = {"page": {}, "static": {}}
    try:
        first_ms, _, headers = fetch(f"{base}{page_path}")
        for _ in range(20):  # every worker gets a warm copy
            fetch(f"{base}{page_path}")
        cold = cold_over_http(f"{base}{page_path}", 8)
        for _ in range(20):
            fetch(f"{base}{page_path}")
        _, warm_size, warm = fetch(f"{base}{page_path}")
        for rate in [None, *rates]:
            for kind, url in (
                ("page", f"{base}{page_path}"),
                ("static", f"{base}/static/statuspage/status.css"),
            ):
                runs[kind][rate] = wrk(
                    url, connections=CONNECTIONS, seconds=duration, script=GZIP, rate=rate
                )
    finally:
        stop_gunicorn(refresher)
        stop_gunicorn(server)
    runs["info"] = {
        "first_ms": first_ms,
        "encoding": headers.get("Content-Encoding", "identity"),
        "cache": warm.get("X-Status-Cache"),
        "warm_size": warm_size,
        "cold_http": cold,
    }
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--renders", type=int, default=15, help="cold renders to time")
    parser.add_argument(
        "--rates",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[1000, 2000, 4000],
        help="paced wrk runs, requests/s (the first is the target's rate)",
    )
    parser.add_argument(
        "--gunicorn", default=" ".join(GUNICORN_FLAGS), help="gunicorn worker flags to try"
    )
    parser.add_argument("--only-edge", action="store_true", help="skip the bare Django run")
    args = parser.parse_args()
    GUNICORN_FLAGS[:] = args.gunicorn.split()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-deps.sh --bench installs it")
    django_on_postgres(DATABASE, redis=True)
    from django.utils import timezone

    now = timezone.now()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    page = build_page(args.components, args.days, now)
    print(
        f"built {args.components} components x {args.days} days in "
        f"{time.perf_counter() - started:.1f} s"
    )
    timings = time_cold_renders(page, args.renders)
    cold_median = statistics.median(timings)
    print(
        f"cold render (in-process, no cache): median {cold_median:.1f} ms, "
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms over {len(timings)} renders"
    )
    print(
        f"gunicorn {' '.join(GUNICORN_FLAGS)}; wrk -t2 -c{CONNECTIONS} -d{args.duration}s, "
        "keep-alive, Accept-Encoding: gzip"
    )
    page_path = f"/status/{SLUG}/"
    edge = measure("slaportal.wsgi:application", page_path, args.duration, args.rates)
    info = edge["info"]
    print(
        f"[edge] first request {info['first_ms']:.1f} ms (fresh worker), page "
        f"{info['warm_size']} bytes {info['encoding']}, cache {info['cache']}"
    )
    cold_http = info["cold_http"]
    if cold_http:
        print(
            f"  cold render over HTTP (version bumped, MISS): median "
            f"{statistics.median(cold_http):.1f} ms, min {min(cold_http):.1f} ms "
            f"over {len(cold_http)} requests"
        )
    for rate in [None, *args.rates]:
        pace = f"paced at {rate:,} req/s" if rate else "unpaced"
        cached, static = edge["page"][rate], edge["static"][rate]
        print(line(f"  cached status page, {pace}", cached))
        print(line(f"  static file (ceiling), {pace}", static))
    unpaced = edge["page"][None]
    print(f"  ratio page/static, unpaced: {unpaced['rate'] / edge['static'][None]['rate']:.2f}")
    under = [figures["rate"] for figures in edge["page"].values() if figures["p99"] < TARGET_P99_MS]
    print(
        "  highest measured rate with cached-page p99 < 25 ms: "
        + (f"{max(under):,.0f} req/s" if under else "none")
    )
    if not args.only_edge:
        django = measure("slaportal.wsgi:django_application", page_path, args.duration, [])
        print(line("[full Django] cached status page, unpaced", django["page"][None]))
        print(line("[full Django] static file, unpaced", django["static"][None]))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    judged = edge["page"][args.rates[0]]
    targets = Targets("bench_statuspage")
    targets.check(
        f"cold render, {args.components} components x {args.days} days (in-process median)",
        f"{cold_median:.1f} ms",
        f"< {TARGET_COLD_MS:.0f} ms",
        cold_median < TARGET_COLD_MS,
    )
    targets.check(
        f"cached page, {CONNECTIONS} connections, unpaced",
        f"{unpaced['rate']:,.0f} req/s (p99 {unpaced['p99']:.1f} ms at that rate)",
        f">= {TARGET_RPS:,.0f} req/s",
        unpaced["rate"] >= TARGET_RPS,
    )
    targets.check(
        f"cached page p99, {CONNECTIONS} connections at {judged['rate']:,.0f} req/s",
        f"{judged['p99']:.1f} ms",
        f"< {TARGET_P99_MS:.0f} ms",
        judged["p99"] < TARGET_P99_MS and judged["rate"] >= 0.95 * args.rates[0],
    )
    errors = sum(
        figures["errors"] + figures["status_errors"]
        for kind in ("page", "static")
        for figures in edge[kind].values()
    )
    targets.check("wrk errors and non-2xx answers", str(errors), "0", errors == 0)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
