"""Benchmark: import_nginx_log throughput on a generated real-format (combined) log.

Run: ``python bench/bench_nginx.py [LINES]`` (default 3,000,000 lines, about 450 MB in a
temporary directory; also part of ``make bench``). PostgreSQL at BENCH_PG_SERVER (default
postgres://postgres@127.0.0.1:5432), its own database sla_bench_nginx (created if missing,
migrated, emptied, one throw-away account); no Redis. Prints `wc -l` on the same file for
scale, the parser alone, then the whole command (parse + store the minute buckets); the
file is read by `wc -l` and the parser first, so the command reads it from the page cache.

Target (issue 5): import_nginx_log at least 200,000 lines/s. Exit code 1 if missed.
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


def main() -> int:
    django_on_postgres(DATABASE)
    from django.core.management import call_command

    from accounts.models import Account
    from sla.nginx_log import parse_lines, read_lines

    print(f"machine: {machine()}")
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "access.log"
        generate(log, lines)
        size = log.stat().st_size
        started = time.perf_counter()
        subprocess.run(["wc", "-l", str(log)], check=True, capture_output=True)
        wc_seconds = time.perf_counter() - started

        started = time.perf_counter()
        result = parse_lines(read_lines(str(log)))
        parse_seconds = time.perf_counter() - started

        fresh_data()
        Account.objects.create(name="Bench", slug="bench")
        with open(os.devnull, "w") as quiet:
            started = time.perf_counter()
            call_command(
                "import_nginx_log", str(log), account="bench", service="shop/web", stdout=quiet
            )
            command_seconds = time.perf_counter() - started
    rate = lines / command_seconds
    print(f"file: {lines:,} lines, {size / 1e6:,.0f} MB, {len(result.minutes)} minutes")
    print(f"wc -l:              {lines / wc_seconds:>14,.0f} lines/s ({wc_seconds:.2f} s)")
    print(f"parser:             {lines / parse_seconds:>14,.0f} lines/s ({parse_seconds:.2f} s)")
    print(f"import_nginx_log:   {rate:>14,.0f} lines/s ({command_seconds:.2f} s, parse + store)")
    targets = Targets("bench_nginx")
    targets.check(
        "import_nginx_log",
        f"{rate:,.0f} lines/s (wc -l: {lines / wc_seconds:,.0f} lines/s)",
        f">= {TARGET_LINES_PER_SECOND:,} lines/s",
        rate >= TARGET_LINES_PER_SECOND,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
