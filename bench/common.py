"""Shared set-up for the benchmarks under bench/ (stdlib + project only).

Every benchmark that needs PostgreSQL calls ``django_on_postgres("sla_bench_<name>")``:

- the server comes from ``BENCH_PG_SERVER`` (default ``postgres://postgres@127.0.0.1:5432``);
  the database ``sla_bench_<name>`` belongs to that benchmark alone: it is created when
  missing and migrated, and the benchmark empties it (``fresh_data()``) before it writes
  its own throw-away account(s). ``DATABASE_URL`` of the environment is never used, so the
  development database is never touched;
- Redis, for the benchmarks that need it (``redis=True``), comes from ``BENCH_REDIS_URL``
  (default ``redis://127.0.0.1:6379/15``). That Redis database is the benchmarks' own: it
  is emptied (FLUSHDB) before and after such a benchmark. The others run without Redis
  (Celery eager, cache in memory) whatever ``REDIS_URL`` says;
- Django runs as in production: ``DEBUG=false`` (no query log), a throw-away
  ``SECRET_KEY``, logging at WARNING. Subprocesses (gunicorn) inherit the same environment.

Also here: the machine line for RESULTS.md, COPY loading, a gunicorn starter and
``Targets``, which prints every figure beside its target and gives the exit code.
"""

from __future__ import annotations

import atexit
import http.client
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pg_server() -> str:
    return os.environ.get("BENCH_PG_SERVER", DEFAULT_PG_SERVER).rstrip("/")


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def _ensure_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis() -> None:
    """Empty the benchmarks' own Redis database (BENCH_REDIS_URL)."""
    import redis

    client = redis.Redis.from_url(redis_url())
    client.flushdb()
    client.close()


def bench_environment(name: str, *, redis: bool = False) -> None:
    """Point this process (and its children) at database `name` and, if asked, the
    benchmarks' Redis; production-like Django settings. No Django import here."""
    if not name.startswith("sla_bench_"):
        raise ValueError(f"benchmark databases are named sla_bench_<name>, not {name!r}")
    server_url = pg_server()
    _ensure_database(server_url, name)
    os.environ["DATABASE_URL"] = f"{server_url}/{name}"
    if redis:
        os.environ["REDIS_URL"] = redis_url()
        flush_redis()
        atexit.register(flush_redis)
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "slaportal.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production-0123456789"  # noqa: S105
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("SESSION_COOKIE_SECURE", "false")


def django_on_postgres(name: str, *, redis: bool = False) -> None:
    """Set Django up on PostgreSQL database `name` (sla_bench_<benchmark>) and migrate it."""
    bench_environment(name, redis=redis)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fresh_data() -> None:
    """Remove every account, and with it every tenant row, from this benchmark's own
    database (TRUNCATE: no per-row cascade in Python, no signals)."""
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("sla_bench_"):
        raise RuntimeError("fresh_data() only empties a benchmark database (sla_bench_*)")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_account CASCADE")


def copy_rows(table: str, columns: list[str], rows) -> int:
    """COPY `rows` (tuples of Python values, None for NULL) into `table`; returns the count."""
    from django.db import connection

    count = 0
    quoted = ", ".join(f'"{column}"' for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _versions() -> str:
    parts = []
    try:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                parts.append(f"PostgreSQL {cursor.fetchone()[0].split()[0]}")
    except Exception:  # noqa: S110 - only decoration of the machine line
        pass
    if os.environ.get("REDIS_URL"):
        try:
            import redis

            info = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")
            parts.append(f"Redis {info['redis_version']}")
        except Exception:  # noqa: S110 - only decoration of the machine line
            pass
    return "".join(f", {part}" for part in parts)


def machine() -> str:
    """One line naming the machine (and the servers in use), for RESULTS.md."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"
        f"{_versions()}; load average {os.getloadavg()[0]:.2f}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(app: str, flags: list[str]) -> tuple[subprocess.Popen, int]:
    """gunicorn `app` on 127.0.0.1 (a free port) with this process's environment; waits
    until /health answers. Returns (process, port); stop it with stop_gunicorn."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *flags,
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not come up")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Targets:
    """Figures checked against their targets: each printed beside its target as it is
    checked, a summary at the end, exit code 1 if any is missed."""

    def __init__(self, name: str):
        self.name = name
        self.rows: list[tuple[str, str, str, bool]] = []

    def check(self, figure: str, measured: str, target: str, met: bool) -> bool:
        self.rows.append((figure, measured, target, met))
        print(f"TARGET {figure}: {measured} (target {target}): {'met' if met else 'MISSED'}")
        return met

    def exit_code(self) -> int:
        missed = [row[0] for row in self.rows if not row[3]]
        print(
            f"{self.name}: {len(self.rows) - len(missed)} of {len(self.rows)} targets met"
            + (f"; MISSED: {', '.join(missed)}" if missed else "")
        )
        return 1 if missed else 0


WRK_DONE = r"""
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p90": %d, "p95": %d, '
    .. '"p99": %d, "max": %d, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
"""

WRK_PACE = r"""
local pace_ms = %d
local first = %d
local calls = 0
function delay()
  -- The first request of each of the thread's connections goes at once: a connection
  -- that is open but silent would hold a server thread until its request comes.
  calls = calls + 1
  if calls <= first then return 0 end
  return math.random(0, 2 * pace_ms)
end
"""


def wrk(
    url: str, *, connections: int, seconds: int, script: str = "", rate: float | None = None
) -> dict:
    """Run wrk (2 threads, keep-alive) against `url` with a Lua `script` (request set-up);
    with `rate`, each connection waits a random time (uniform, mean connections / rate)
    before each request but its first, so the offered load is about `rate` requests/s
    (latency is timed from the request's write, after the wait). Returns the measured rate
    (requests/s), p50/p90/p95/p99/max in ms and the error counts."""
    import json
    import re
    import tempfile

    lua = script + WRK_DONE
    if rate:
        lua += WRK_PACE % (round(connections / rate * 1000), -(-connections // 2))
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as handle:
        handle.write(lua)
        handle.flush()
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", handle.name, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    found = json.loads(re.search(r"^RESULT (.*)$", output, re.MULTILINE).group(1))
    figures = {
        "count": found["requests"],
        "rate": found["requests"] / (found["duration_us"] / 1e6),
    }
    for name in ("p50", "p90", "p95", "p99", "max"):
        figures[name] = found[name] / 1000
    figures["errors"] = found["errors"]
    figures["status_errors"] = found["status_errors"]
    return figures
