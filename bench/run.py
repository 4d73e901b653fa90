"""Run every benchmark (bench/bench_*.py) in turn; `make bench` calls this.

    python bench/run.py                 # all of them, in issue order
    python bench/run.py engine slo      # only bench_engine.py and bench_slo.py

Each benchmark is a separate process that prints its own figures, each target line
("TARGET figure: measured (target ...): met|MISSED") and exits 1 when it misses a target.
This runner checks first that PostgreSQL (BENCH_PG_SERVER) and Redis (BENCH_REDIS_URL) answer,
waits before each script until the 1-minute load average is under 1.5 (at most 3 minutes:
the previous benchmark's autovacuum and checkpoints), streams every script's output, then
repeats all target lines in one summary and exits 1 if any script failed. Nothing else may
run on the machine meanwhile: the figures are timings.
Record them with the machine line and date in bench/RESULTS.md.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.common import pg_server, redis_url  # noqa: E402

# Issue order: 3 engine/results, 4 ingest/rollup, 5 SLO/nginx, 6 report/dashboard, 7 status,
# 14 prometheus, 17 vector (nginx covers issue 17's latency import too), 18 subscribers,
# 15 agreements, 16 federation and graphql, 19 SLA views, 12 ingest CPU and under load.
ORDER = [
    "engine", "results", "ingest", "rollup", "slo", "nginx", "report", "dashboard", "statuspage",
    "prometheus", "vector", "subscribers", "agreements", "federation", "graphql", "slaviews",
    "group_tree", "ingest_cpu", "load",
]  # fmt: skip


def _services_answer() -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(f"{pg_server()}/postgres", connect_timeout=5).close()
    except psycopg.Error as error:
        message = f"PostgreSQL at {pg_server()} (BENCH_PG_SERVER) does not answer: {error}"
        raise SystemExit(message) from None
    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        message = f"Redis at {redis_url()} (BENCH_REDIS_URL) does not answer: {error}"
        raise SystemExit(message) from None


def _scripts(names: list[str]) -> list[Path]:
    found = {path.stem.removeprefix("bench_"): path for path in HERE.glob("bench_*.py")}
    if names:
        unknown = [name for name in names if name not in found]
        if unknown:
            raise SystemExit(f"no such benchmark: {', '.join(unknown)} (have {sorted(found)})")
        return [found[name] for name in names]
    ordered = [name for name in ORDER if name in found]
    return [found[name] for name in ordered + sorted(set(found) - set(ordered))]


QUIET_LOAD = 1.5  # 1-minute load average (2 cores) below which the machine counts as quiet
QUIET_WAIT_SECONDS = 180


def _wait_until_quiet() -> None:
    """Wait (at most QUIET_WAIT_SECONDS) for the previous benchmark's aftermath - PostgreSQL
    autovacuum and checkpoints after millions of rows, exiting servers - to settle, so one
    benchmark's figures do not carry the last one's load."""
    deadline = time.monotonic() + QUIET_WAIT_SECONDS
    while os.getloadavg()[0] > QUIET_LOAD and time.monotonic() < deadline:
        time.sleep(5)


def main() -> int:
    scripts = _scripts(sys.argv[1:])
    _services_answer()
    failed, targets = [], []
    for index, script in enumerate(scripts):
        if index:
            _wait_until_quiet()
        print(f"=== {script.name} ===", flush=True)
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=HERE.parent,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith("TARGET "):
                targets.append(f"{script.stem.removeprefix('bench_')}: {line[7:].rstrip()}")
        code = process.wait()
        print(f"=== {script.name}: exit {code}, {time.monotonic() - started:.0f} s\n", flush=True)
        if code != 0:
            failed.append(script.name)
    print("=== summary ===")
    for line in targets:
        print(line)
    if failed:
        print(f"failed (a target missed or an error): {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
