"""Public status page speed: cold render, then wrk against the cached page and a static file.

    python bench/bench_statuspage.py [--components 100] [--days 90] [--duration 15]

Builds a page of 100 components with 90 days of daily rollups (plus SLA results, incidents
and a maintenance) in PostgreSQL, times cold renders in-process, starts gunicorn on
127.0.0.1 with the recommended flags and runs `wrk -t2 -c100` against:

    1. the cached page through slaportal.wsgi:application (the status page edge cache),
    2. the cached page through slaportal.wsgi:django_application (full Django stack),
    3. a static file served by the same server (WhiteNoise), the ceiling,

and prints requests/s, latency percentiles and the page/static ratio.

Database: BENCH_DATABASE_URL, else DATABASE_URL if it is PostgreSQL, else
postgres://postgres@127.0.0.1:5432/sla_status. REDIS_URL is passed on when set (shared
cache); without it each gunicorn worker caches in its own memory. The bench replaces its
own account (slug "bench-statuspage") and touches nothing else.
"""

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-statuspage"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/sla_status"
# Recommended gunicorn flags for the status page on 2 cores, behind a buffering proxy:
# one sync worker per core. Connections then wait in the kernel's accept queue in arrival
# order, which keeps the latency tail close to the median (see bench/RESULTS.md and the
# README section "Public status page" for gthread figures).
GUNICORN_FLAGS = ["--worker-class", "sync", "--workers", "2"]
TARGET_COLD_MS = 150.0
TARGET_P99_MS = 25.0
TARGET_RPS = 1000.0


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    total_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {total_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}"
    )


def database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    current = os.environ.get("DATABASE_URL", "")
    return current if current.startswith(("postgres://", "postgresql://")) else DEFAULT_DATABASE


def ensure_database(url: str) -> None:
    """Create the benchmark database when the server does not have it yet."""
    import psycopg

    server, _, name = url.rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    ensure_database(url)
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


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

    Account.objects.filter(slug=SLUG).delete()
    StatusPage.objects.filter(slug=SLUG).delete()
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        *GUNICORN_FLAGS,
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def fetch(url: str) -> tuple[float, int, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        headers = dict(response.headers)
    return (time.perf_counter() - started) * 1000, len(body), headers


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, duration: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c100",
            f"-d{duration}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for percentile in ("50", "75", "90", "99"):
        match = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)\b", output)
        figures[f"p{percentile}"] = float(match.group(1)) * UNITS[match.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = socket_errors.group(1).strip() if socket_errors else "none"
    return figures


def line(label: str, figures: dict) -> str:
    return (
        f"{label:<34} {figures['rps']:>9.0f} req/s   p50 {figures['p50']:6.2f} ms   "
        f"p90 {figures['p90']:6.2f} ms   p99 {figures['p99']:6.2f} ms   "
        f"non-2xx {figures['non_2xx']}   socket errors {figures['socket_errors']}"
    )


def server_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production",  # noqa: S106 - local bench server only
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        SESSION_COOKIE_SECURE="false",
    )
    return env


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


def measure(app: str, url_db: str, page_path: str, duration: int) -> tuple[dict, dict, dict]:
    port = free_port()
    server = start_gunicorn(app, port, server_env(url_db))
    base = f"http://127.0.0.1:{port}"
    try:
        first_ms, size, headers = fetch(f"{base}{page_path}")
        for _ in range(20):  # every worker gets a warm copy (per-process cache without Redis)
            fetch(f"{base}{page_path}")
        cold = cold_over_http(f"{base}{page_path}", 8) if os.environ.get("REDIS_URL") else []
        for _ in range(20):
            fetch(f"{base}{page_path}")
        _, warm_size, warm = fetch(f"{base}{page_path}")
        page = wrk(f"{base}{page_path}", duration)
        static = wrk(f"{base}/static/statuspage/status.css", duration)
    finally:
        stop(server)
    info = {
        "first_ms": first_ms,
        "size": size,
        "encoding": headers.get("Content-Encoding", "identity"),
        "cache": warm.get("X-Status-Cache"),
        "warm_size": warm_size,
        "cold_http": cold,
    }
    return page, static, info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--renders", type=int, default=15, help="cold renders to time")
    parser.add_argument(
        "--gunicorn", default=" ".join(GUNICORN_FLAGS), help="gunicorn worker flags to try"
    )
    parser.add_argument("--only-edge", action="store_true", help="skip the bare Django run")
    args = parser.parse_args()
    GUNICORN_FLAGS[:] = args.gunicorn.split()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (scripts/system-deps.sh --bench)")
    url = database_url()
    setup_django(url)
    from django.utils import timezone

    now = timezone.now()
    print(f"machine: {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"date: {now:%Y-%m-%d}, database: PostgreSQL ({url.rsplit('/', 1)[-1]}), "
        f"cache: {'Redis' if os.environ.get('REDIS_URL') else 'per-process memory'}"
    )
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
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms over {len(timings)} renders "
        f"(target < {TARGET_COLD_MS:.0f} ms)"
    )
    print(
        f"gunicorn flags: {' '.join(GUNICORN_FLAGS)}; wrk -t2 -c100 -d{args.duration}s, "
        "Accept-Encoding: gzip"
    )
    page_path = f"/status/{SLUG}/"
    results = {}
    apps = [("edge", "slaportal.wsgi:application")]
    if not args.only_edge:
        apps.append(("django", "slaportal.wsgi:django_application"))
    for label, app in apps:
        cached, static, info = measure(app, url, page_path, args.duration)
        results[label] = (cached, static, info)
        print(
            f"[{app}] first request {info['first_ms']:.1f} ms (fresh worker), page "
            f"{info['warm_size']} bytes {info['encoding']}, cache {info['cache']}"
        )
        cold_http = info["cold_http"]
        if cold_http:
            print(
                f"  cold render over HTTP (version bumped, MISS): median "
                f"{statistics.median(cold_http):.1f} ms, min {min(cold_http):.1f} ms "
                f"over {len(cold_http)} requests"
            )
        print(line("  cached status page", cached))
        print(line("  static file (ceiling)", static))
        print(f"  ratio page/static: {cached['rps'] / static['rps']:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    cached = results["edge"][0]
    verdict = {
        "cold render": cold_median < TARGET_COLD_MS,
        "cached p99": cached["p99"] < TARGET_P99_MS,
        "cached req/s": cached["rps"] >= TARGET_RPS,
    }
    print(
        "targets: "
        + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in verdict.items())
    )
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
