"""Benchmark of status ingest over HTTP: gunicorn + PostgreSQL, as in production.

Run by hand: ``python bench/bench_ingest.py`` (``--help`` for the knobs). It migrates the
database of DATABASE_URL (default ``postgres://postgres@127.0.0.1:5432/sla_ingest``),
creates a throw-away account with an ingest token, starts gunicorn on 127.0.0.1 and
measures, with Python threads and ``http.client``:

1. batch throughput: batches of 1,000 new events (random services among 1,000, random
   instants of the last week, unique ids) from several concurrent Python clients;
2. single-event latency with 50 concurrent clients (Python threads, each an agent that
   opens a connection per push): p50/p95/p99 at several offered loads, each client
   waiting ``--intervals`` ms on average (randomised) between its events, and back to back
   (0 ms: the server saturated, which shows the capacity);
3. the rate of a raw ``COPY`` of the same number of rows into the same table, and the
   ratio HTTP / COPY.

Targets (issue 4): >= 20,000 events/s in batches of 1,000; single-event p99 < 20 ms under
50 concurrent clients. With REDIS_URL set, the post-commit incident refresh goes to a
queue unique to this run (deleted at the end); without it, it runs inside the request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sla_ingest")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
RUN_QUEUE = f"bench-ingest-{uuid.uuid4().hex[:8]}"
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = RUN_QUEUE

STATES = ["OK", "OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN"]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = 0
    return f"{os.cpu_count()} CPUs ({cpu}), {memory} GiB RAM, Python {platform.python_version()}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_account():
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import account_create, token_create

    call_command("migrate", "--noinput", verbosity=0)
    slug = f"bench-ingest-{uuid.uuid4().hex[:8]}"
    account = account_create(name="Ingest benchmark", slug=slug)
    _, secret = token_create(account=account, name="bench", scopes=["ingest"])
    return account, secret


def start_gunicorn(port: int, workers: int, threads: int = 1) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "slaportal.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread" if threads > 1 else "sync", "--threads", str(threads),
            "--log-level", "warning", "--backlog", "2048",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not come up")


def events(count: int, services: int, prefix: str, rng: random.Random) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "service": f"bench/svc-{rng.randrange(services):05d}",
            "at": (now - dt.timedelta(seconds=rng.randrange(1, 86400 * 7))).isoformat(),
            "state": rng.choice(STATES),
            "id": f"{prefix}-{number}",
        }
        for number in range(count)
    ]


class Client:
    """One keep-alive-if-possible HTTP connection with the bearer token."""

    def __init__(self, port: int, secret: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, body: bytes) -> dict:
        for attempt in (1, 2):
            try:
                self.connection.request("POST", "/api/v1/events", body=body, headers=self.headers)
                response = self.connection.getresponse()
                payload = response.read()
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
                return json.loads(payload)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def run_threads(count: int, target) -> float:
    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def batch_throughput(port, secret, args, rng) -> tuple[float, int]:
    bodies = [
        json.dumps({"events": events(args.batch_size, args.services, f"b{n}", rng)}).encode()
        for n in range(args.batches)
    ]
    warm = Client(port, secret)
    for n in range(min(3, len(bodies))):  # creates the services, warms every worker's caches
        warm.post(json.dumps(events(args.batch_size, args.services, f"w{n}", rng)).encode())
    queue = list(range(len(bodies)))
    lock = threading.Lock()
    new = [0]

    def worker(_):
        client = Client(port, secret)
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            result = client.post(bodies[index])
            with lock:
                new[0] += result["new"]

    elapsed = run_threads(args.batch_clients, worker)
    total = args.batches * args.batch_size
    if new[0] != total:
        raise SystemExit(f"expected {total} new events, the server stored {new[0]}")
    return total / elapsed, total


def single_event_latency(port, secret, args, interval_ms: int, seconds: float) -> dict:
    """`args.clients` threads, each an agent: wait a random time (`interval_ms` on average,
    uniform 0..2x so the agents do not march in lockstep; 0: no wait), open a connection,
    POST one new event, read the answer, close. Latency: connect to last byte."""
    headers = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": "application/json",
        "Connection": "close",
    }
    latencies: list[list[float]] = [[] for _ in range(args.clients)]
    prefix = uuid.uuid4().hex[:8]
    stop_at = time.perf_counter() + seconds

    def worker(index):
        pace = random.Random(index)
        number = 0
        while True:
            if interval_ms:
                time.sleep(pace.uniform(0, 2 * interval_ms) / 1000)
            if time.perf_counter() >= stop_at:
                return
            number += 1
            body = json.dumps(
                {
                    "service": f"bench/svc-{pace.randrange(args.services):05d}",
                    "at": dt.datetime.now(dt.UTC).isoformat(),
                    "state": "OK",
                    "id": f"{prefix}-{index}-{number}",
                }
            )
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/api/v1/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            latencies[index].append(time.perf_counter() - started)

    elapsed = run_threads(args.clients, worker)
    samples = sorted(value for client in latencies for value in client)
    quantiles = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "rate": len(samples) / elapsed,
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "max": samples[-1] * 1000,
    }


def copy_rate(account, total: int, services: int, rng) -> float:
    """COPY the same number of (new) rows into sla_statusevent, timed alone."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sla.models import Service

    ids = list(Service.objects.for_account(account).values_list("id", flat=True))
    now = timezone.now()
    rows = [
        (
            account.pk,
            rng.choice(ids),
            now - dt.timedelta(seconds=rng.randrange(1, 86400 * 7)),
            rng.choice(["OK", "WARN", "CRIT", "UNKNOWN"]),
            "",
            f"id:copy-{number}",
            now,
        )
        for number in range(total)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        with cursor.cursor.copy(
            "COPY sla_statusevent (account_id, service_id, at, state, message, dedup_key, "
            "received_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--batches", type=int, default=200, help="batches of --batch-size")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50, help="single-event clients")
    parser.add_argument(
        "--intervals",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[1000, 250, 100, 0],
        help="ms each client waits between events, one run each (0: back to back)",
    )
    parser.add_argument("--seconds", type=int, default=15, help="per single-event run")
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark account")
    args = parser.parse_args()

    account, secret = setup_account()
    from django.conf import settings

    print(f"Machine: {machine()}")
    database = settings.DATABASES["default"]
    print(f"Database: {database['ENGINE']} / {database['NAME']}")
    print(f"Redis: {'yes' if settings.REDIS_URL else 'no (incident refresh runs in the request)'}")
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads)
    rng = random.Random(4)
    try:
        rate, total = batch_throughput(port, secret, args, rng)
        print(
            f"Batch ingest: {total} events in batches of {args.batch_size} from "
            f"{args.batch_clients} clients, gunicorn {args.workers} workers x "
            f"{args.threads} threads: "
            f"{rate:,.0f} events/s"
        )
        single_event_latency(port, secret, args, 0, 3)  # warm every worker's connections
        for interval_ms in args.intervals:
            found = single_event_latency(port, secret, args, interval_ms, args.seconds)
            pace = f"each every {interval_ms} ms on average" if interval_ms else "back to back"
            print(
                f"Single events, {args.clients} clients {pace}: "
                f"{found['rate']:,.0f} req/s, p50 {found['p50']:.1f} ms, "
                f"p95 {found['p95']:.1f} ms, p99 {found['p99']:.1f} ms, max {found['max']:.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    copy = copy_rate(account, total, args.services, rng)
    print(f"Raw COPY of {total} rows into sla_statusevent: {copy:,.0f} rows/s")
    print(f"Ratio HTTP batch ingest / raw COPY: {rate / copy:.2f}")
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(
            RUN_QUEUE, f"_kombu.binding.{RUN_QUEUE}", f"_kombu.binding_permanent.{RUN_QUEUE}"
        )
    if not args.keep:
        account.delete()


if __name__ == "__main__":
    main()
