"""Benchmark of the Vector endpoint: one gunicorn worker taking NDJSON batches of 1,000
parsed nginx records (the README's vector.toml remap), beside a bare json.loads loop.

Run: ``python bench/bench_vector.py [--batches 300] [--batch-size 1000] [--clients 2]``
(also part of ``make bench``). PostgreSQL at BENCH_PG_SERVER, its own database
sla_bench_vector (created if missing, migrated, emptied, one throw-away account); no Redis
(the endpoint dispatches no task). gunicorn runs ONE sync worker (`--workers 1`), kept busy
by `--clients` client threads on keep-alive connections, so the rate is per worker process.
Every batch is different (no retry is answered from its key), its records fall in the last
hours' minutes of 3 services (path rules), and every answer is checked (all counted).

Printed beside it: the same bodies through a bare ``json.loads`` loop over their lines (the
floor of any Python NDJSON reader), and the endpoint's phases in-process (sha256, read and
count, the whole service call with its one write) for one batch, to show where the time goes.

Target (issue 17): at least 100,000 records/s per worker. Exit code 1 if missed.
"""

import argparse
import datetime as dt
import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Targets,
    django_on_postgres,
    fresh_data,
    machine,
    start_gunicorn,
    stop_gunicorn,
)

DATABASE = "sla_bench_vector"
TARGET_RECORDS_PER_SECOND = 100_000
PATHS = ["/api/v1/orders", "/api/v1/cart", "/static/app.css", "/", "/login", "/search"]
STATUSES = [200] * 90 + [301, 304, 404, 404, 400, 500, 502, 503, 200, 200]


def setup():
    """A throw-away account, an ingest token, 3 services and a source with path rules."""
    from accounts.services import account_create, token_create
    from integrations.vector.services import vector_source_save
    from sla.models import Service

    fresh_data()
    account = account_create(name="Vector benchmark", slug="bench-vector")
    _, secret = token_create(account=account, name="vector", scopes=["ingest"])
    web, api, static = (
        Service.objects.create(account=account, path=path)
        for path in ("shop/web", "shop/api", "shop/static")
    )
    source = vector_source_save(
        account=account,
        source=None,
        rules=[
            {"kind": "path_prefix", "value": "/api/", "service": api},
            {"kind": "path_prefix", "value": "/static/", "service": static},
        ],
        name="bench",
        default_service=web,
    )
    return account, source, secret


def record(rng: random.Random, at: dt.datetime) -> dict:
    """One record as the README's remap makes it (keys sorted, as Vector writes them)."""
    request_time = rng.randrange(1, 3000) / 1000
    path = rng.choice(PATHS)
    status = rng.choice(STATUSES)
    return {
        "body_bytes_sent": rng.randrange(100, 90_000),
        "bytes_sent": rng.randrange(300, 90_500),
        "client": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
        "host": "web1",
        "http_version": "HTTP/1.1",
        "method": "GET",
        "method_type": "GET",
        "referer": "https://shop.example.com/",
        "request_length": 512,
        "request_path": path,
        "request_time": request_time,
        "status": status,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "upstream_addr": "10.1.0.5:8080",
        "upstream_connect_time": "0.001",
        "upstream_header_time": f"{max(request_time - 0.002, 0):.3f}",
        "upstream_response_time": max(request_time - 0.001, 0),
        "upstream_status": str(status),
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0",
    }


def bodies(count: int, size: int, rng: random.Random) -> list[bytes]:
    """NDJSON batches as the sink frames them (newline-delimited, no trailing newline); 1,000
    requests a second of traffic, so a batch spans one or two minutes."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=6)
    made = []
    for number in range(count):
        first = start + dt.timedelta(seconds=number * size // 1000)
        lines = [
            json.dumps(record(rng, first + dt.timedelta(milliseconds=index)), separators=(",", ":"))
            for index in range(size)
        ]
        made.append("\n".join(lines).encode())
    return made


def bare_json_rate(payloads: list[bytes], size: int) -> tuple[float, float]:
    """Records/s of `json.loads` line by line over the bodies: (wall clock, CPU time)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for payload in payloads:
        for line in payload.split(b"\n"):
            json.loads(line)
    records = len(payloads) * size
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return records / wall, records / max(cpu, 1e-9)


def phases(account, source, payload: bytes) -> dict:
    """Seconds of the endpoint's phases for one batch, in-process (best of 5 runs of the
    reading; the service call once, as the endpoint makes it)."""
    import hashlib

    from integrations.vector.records import count_body
    from integrations.vector.services import vector_batch_ingest, vector_source_config

    now = dt.datetime.now(dt.UTC)
    config = vector_source_config(account=account, source=source, now=now)
    best = {"sha256": 1e9, "read and count": 1e9}
    for _ in range(5):
        started = time.perf_counter()
        hashlib.sha256(payload).hexdigest()
        best["sha256"] = min(best["sha256"], time.perf_counter() - started)
        started = time.perf_counter()
        count_body(payload, "application/x-ndjson", config)
        best["read and count"] = min(best["read and count"], time.perf_counter() - started)
    started = time.perf_counter()
    vector_batch_ingest(
        account=account, source=source, body=payload, media_type="application/x-ndjson"
    )
    return {**best, "whole service call": time.perf_counter() - started}


def post_all(port: int, path: str, secret: str, payloads: list[bytes], clients: int) -> float:
    queue = list(range(len(payloads)))
    lock = threading.Lock()
    failures: list[str] = []

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            connection.request("POST", path, body=payloads[index], headers=headers)
            response = connection.getresponse()
            answer = json.loads(response.read())
            if response.status != 200 or answer.get("rejected") or answer.get("duplicate"):
                failures.append(f"{response.status}: {str(answer)[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, first: {failures[0]}")
    return elapsed


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's worker processes:
    on a busy machine, records per CPU-second of the worker still says what it can do."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    account, source, secret = setup()
    print(f"machine: {machine()}")
    rng = random.Random(17)
    payloads = bodies(args.batches + 3, args.batch_size, rng)
    warm, measured = payloads[:3], payloads[3:]
    size = sum(map(len, measured)) / len(measured)
    print(f"{args.batches} NDJSON batches of {args.batch_size} records, {size / 1e6:.2f} MB each")
    bare, bare_cpu = bare_json_rate(measured, args.batch_size)
    print(
        f"bare json.loads loop over the same lines: {bare:,.0f} records/s "
        f"({bare_cpu:,.0f} records per CPU-second)"
    )
    for name, seconds in phases(account, source, warm[0]).items():
        print(f"in-process, one batch: {name} {seconds * 1000:.1f} ms")
    path = f"/api/v1/vector-sources/{source.pk}/records"
    server, port = start_gunicorn("slaportal.wsgi:application", ["--workers", "1"])
    try:
        post_all(port, path, secret, warm[1:], 1)
        cpu_before = worker_cpu_seconds(server.pid)
        elapsed = post_all(port, path, secret, measured, args.clients)
        cpu = worker_cpu_seconds(server.pid) - cpu_before
    finally:
        stop_gunicorn(server)
    records = len(measured) * args.batch_size
    rate = records / elapsed
    print(
        f"endpoint, 1 gunicorn sync worker, {args.clients} clients: {records:,} records in "
        f"{elapsed:.2f} s = {rate:,.0f} records/s ({rate / bare:.2f} x the bare json.loads loop)"
    )
    if cpu > 0:
        print(
            f"worker CPU: {cpu / len(measured) * 1000:.1f} ms per batch = "
            f"{records / cpu:,.0f} records per CPU-second ({records / cpu / bare_cpu:.2f} x the "
            f"bare loop's; a worker with a core of its own reaches this less its waits on "
            f"PostgreSQL)"
        )
    targets = Targets("bench_vector")
    targets.check(
        "Vector endpoint, NDJSON batches of 1,000, per worker",
        f"{rate:,.0f} records/s (bare json.loads: {bare:,.0f} records/s)",
        f">= {TARGET_RECORDS_PER_SECOND:,} records/s",
        rate >= TARGET_RECORDS_PER_SECOND,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
