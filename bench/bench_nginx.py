"""Benchmark: import_nginx_log throughput on generated real-format logs: `combined`, and the
recipe's `apm` format with latency (each request's $request_time in the minute histograms).

Run: ``python bench/bench_nginx.py [LINES]`` (default 3,000,000 lines per format, about
450 MB and 1.1 GB in a temporary directory; also part of ``make bench``). PostgreSQL at
BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432), its own database
sla_bench_nginx (created if missing, migrated, emptied, one throw-away account); no Redis.
Prints `wc -l` on the same file for scale, the parser alone, then the whole command (parse
+ store the minute buckets); the file is read by `wc -l` and the parser first, so the
command reads it from the page cache.

Targets: import_nginx_log at least 200,000 lines/s (issue 5, combined), and with latency
from the apm format at least 200,000 lines/s (issue 17). Exit code 1 if one is missed.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_nginx"
TARGET_LINES_PER_SECOND = 200_000
PATHS = ["/", "/api/v1/orders", "/api/v1/cart?id=42", "/static/app.css", "/login", "/search?q=x"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0",
    "curl/8.5.0",
    "Go-http-client/1.1",
]
STATUSES = [200] * 90 + [301, 304, 404, 404, 400, 500, 502, 503, 200, 200]


def generate(path: Path, lines: int) -> None:
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with path.open("w") as handle:
        chunk = []
        stamp = ""
        for index in range(lines):
            if index % 50 == 0:  # 50 requests per second
                stamp = (start + dt.timedelta(seconds=index // 50)).strftime("%d/%b/%Y:%H:%M:%S %z")
            chunk.append(
                f"10.0.{rng.randrange(256)}.{rng.randrange(256)} - - [{stamp}] "
                f'"GET {rng.choice(PATHS)} HTTP/1.1" {rng.choice(STATUSES)} {rng.randrange(99999)} '
                f'"https://shop.example.com/" "{rng.choice(AGENTS)}"\n'
            )
            if len(chunk) >= 10000:
                handle.writelines(chunk)
                chunk = []
        handle.writelines(chunk)


def generate_apm(path: Path, lines: int) -> None:
    """The recipe's `log_format apm` (with upstream_header_time, as its VRL regex expects):
    50 requests a second, request times from 1 ms to 3 s, some without an upstream."""
    rng = random.Random(17)
    start = dt.datetime(2026, 11, 20, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with path.open("w") as handle:
        chunk = []
        stamp = ""
        for index in range(lines):
            if index % 50 == 0:
                stamp = (start + dt.timedelta(seconds=index // 50)).strftime("%d/%b/%Y:%H:%M:%S %z")
            status = rng.choice(STATUSES)
            request_time = rng.randrange(1, 3000) / 1000
            upstream = "-" if index % 20 == 0 else f"{max(request_time - 0.001, 0):.3f}"
            chunk.append(
                f'"{stamp}" client=10.0.{rng.randrange(256)}.{rng.randrange(256)} method=GET '
                f'request="GET {rng.choice(PATHS)} HTTP/1.1" request_length=512 status={status} '
                f"bytes_sent={rng.randrange(300, 99999)} body_bytes_sent={rng.randrange(99999)} "
                f'referer=https://shop.example.com/ user_agent="{rng.choice(AGENTS)}" '
                f"upstream_addr=10.1.0.5:8080 upstream_status={status} "
                f"request_time={request_time:.3f} upstream_response_time={upstream} "
                f"upstream_connect_time=0.001 upstream_header_time={upstream}\n"
            )
            if len(chunk) >= 10000:
                handle.writelines(chunk)
                chunk = []
        handle.writelines(chunk)


def measure(log: Path, lines: int, log_format: str | None, latency: str | None) -> dict:
    """wc -l, the parser alone and the whole command on one file (rates in lines/s)."""
    from django.core.management import call_command

    from accounts.models import Account
    from sla.nginx_log import compile_log_format, parse_lines, read_lines

    started = time.perf_counter()
    subprocess.run(["wc", "-l", str(log)], check=True, capture_output=True)
    wc_seconds = time.perf_counter() - started
    compiled = None if log_format is None else compile_log_format(log_format)
    started = time.perf_counter()
    result = parse_lines(read_lines(str(log)), compiled, latency=latency)
    parse_seconds = time.perf_counter() - started
    if result.error_count:
        raise SystemExit(f"{log}: {result.error_count} unparseable lines: {result.errors[:3]}")
    fresh_data()
    Account.objects.create(name="Bench", slug="bench")
    options = {} if log_format is None else {"log_format": log_format}
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        call_command(
            "import_nginx_log",
            str(log),
            account="bench",
            service="shop/web",
            stdout=quiet,
            **options,
        )
        command_seconds = time.perf_counter() - started
    return {
        "size": log.stat().st_size,
        "minutes": len(result.minutes),
        "wc": lines / wc_seconds,
        "parser": lines / parse_seconds,
        "command": lines / command_seconds,
        "command_seconds": command_seconds,
    }


def main() -> int:
    django_on_postgres(DATABASE)
    print(f"machine: {machine()}")
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        combined, apm = Path(tmp) / "access.log", Path(tmp) / "apm.log"
        generate(combined, lines)
        runs["combined"] = measure(combined, lines, None, None)
        combined.unlink()
        generate_apm(apm, lines)
        runs["apm with latency"] = measure(apm, lines, "apm", "request_time")
    targets = Targets("bench_nginx")
    for name, found in runs.items():
        print(f"{name}: {lines:,} lines, {found['size'] / 1e6:,.0f} MB, {found['minutes']} minutes")
        print(f"  wc -l:              {found['wc']:>14,.0f} lines/s")
        print(f"  parser:             {found['parser']:>14,.0f} lines/s")
        print(
            f"  import_nginx_log:   {found['command']:>14,.0f} lines/s "
            f"({found['command_seconds']:.2f} s, parse + store)"
        )
        figure = "import_nginx_log" if name == "combined" else "import_nginx_log, apm with latency"
        targets.check(
            figure,
            f"{found['command']:,.0f} lines/s (wc -l: {found['wc']:,.0f} lines/s)",
            f">= {TARGET_LINES_PER_SECOND:,} lines/s",
            found["command"] >= TARGET_LINES_PER_SECOND,
        )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
