"""Benchmark of status ingest over HTTP: gunicorn + PostgreSQL + Redis, as in production.

Run: ``python bench/bench_ingest.py`` (``--help`` for the knobs; also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_ingest (created if missing, migrated, emptied, one throw-away
account with an ingest token); Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/15,
emptied before and after): the post-commit incident refresh is queued there as in
production (no worker is started, so it costs the request only the enqueueing). gunicorn
runs on 127.0.0.1 with ``--worker-class sync --workers <2 x nproc + 1>``, the flags the
README recommends for the API behind a reverse proxy: one request per process, so requests
never wait for each other's interpreter lock (``--worker-class gthread --workers <nproc +
1> --threads 4``, in a side-by-side run, measured the same p99 at 44 requests/s, 26 ms
instead of 17 ms at 90 and saturated at 290 instead of 360 requests/s).
``--worker-class``/``--workers``/``--threads`` try others. It measures:

1. batch throughput: batches of 1,000 new events (random services among 1,000, random
   instants of the last week, unique ids) from 4 concurrent Python clients (bodies
   serialised beforehand);
2. (after the batch phase the grown tables are vacuumed and analyzed, a checkpoint is
   written and the machine left quiet for 5 s, so autovacuum does not start in the
   middle of the next phase) single-event latency with 50 concurrent clients, one run per
   ``--intervals`` value:
   50 Python threads, each an agent that waits a random time (uniform, the interval on
   average) and then opens a connection, POSTs one new event (unique id), reads the answer
   and closes (latency: connect to last byte, in the client), so the offered load is about
   50 / interval; the last run (0 ms) is wrk (``-t2 -c50``, keep-alive, a Lua script making
   each request a new event) back to back: the server saturated, which shows its capacity
   and the latency at that rate. Every run prints the request rate it was measured at; the
   highest rate at which p99 stays under 20 ms is reported;
3. the rate of a raw ``COPY`` of the same number of rows into the same table, and the
   ratio HTTP / COPY.

Targets (issue 4): >= 20,000 events/s in batches of 1,000; single-event p99 < 20 ms
under 50 concurrent clients, judged with 50 clients each pushing once a second on average
(about 50 requests/s; ``--judge-interval``) for 60 s (``--judge-seconds``): about 2,600
requests, so the p99 is the 26th slowest of them, not the 7th of a 15 s run, which one
hiccup of a shared machine decides. Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Targets,
    django_on_postgres,
    fresh_data,
    machine,
    start_gunicorn,
    stop_gunicorn,
    wrk,
)

DATABASE = "sla_bench_ingest"
STATES = ["OK", "OK", "OK", "OK", "WARN", "CRIT", "UNKNOWN"]
TARGET_BATCH_RATE = 20_000
TARGET_P99_MS = 20.0


def setup_account():
    from accounts.services import account_create, token_create

    fresh_data()
    account = account_create(name="Ingest benchmark", slug="bench-ingest")
    _, secret = token_create(account=account, name="bench", scopes=["ingest"])
    return account, secret


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


WRK_SCRIPT = """
local counter = 0
local threads = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(secret)s"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(tid * 7919 + %(seed)d)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"service":"bench/svc-%%05d","at":"%%s","state":"OK","id":"%(prefix)s-%%d-%%d"}',
    math.random(0, %(services)d - 1), os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ"), tid, counter)
  return wrk.format(nil, "/api/v1/events", nil, body)
end
"""


def settle() -> None:
    """Let the database finish with the batch phase before latency is measured: vacuum and
    analyze the tables it grew (autovacuum would otherwise start on them during the first
    latency run), write a checkpoint, then let the machine go quiet."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) sla_statusevent, sla_rollupmark, sla_service")
        cursor.execute("CHECKPOINT")
    connection.close()
    time.sleep(5)


def agents_latency(port, secret, args, interval_ms: int, seconds: float) -> dict:
    """`args.clients` threads, each an agent: wait a random time (`interval_ms` on average,
    uniform 0..2x so the agents do not march in lockstep), open a connection, POST one new
    event, read the answer, close. Latency: connect to last byte, in the client."""
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
        "count": len(samples),
        "rate": len(samples) / elapsed,
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "max": samples[-1] * 1000,
    }


def saturation_latency(port, secret, args, seconds: int) -> dict:
    """wrk with `args.clients` keep-alive connections sending one new event per request
    back to back: the server's capacity, and the latency when it is saturated."""
    script = WRK_SCRIPT % {
        "secret": secret,
        "seed": seconds,
        "prefix": uuid.uuid4().hex[:10],
        "services": args.services,
    }
    found = wrk(
        f"http://127.0.0.1:{port}/api/v1/events",
        connections=args.clients,
        seconds=seconds,
        script=script,
    )
    if found["status_errors"] or found["errors"]:
        raise SystemExit(f"wrk saw errors: {found}")
    return found


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--batches", type=int, default=200, help="batches of --batch-size")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50, help="single-event clients")
    parser.add_argument(
        "--intervals",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[1000, 500, 250, 167, 125, 100, 0],
        help="ms each agent waits on average before each event, one run each (0: wrk, none)",
    )
    parser.add_argument(
        "--judge-interval", type=int, default=1000, help="the run the p99 target is judged on"
    )
    parser.add_argument("--seconds", type=int, default=15, help="per single-event run")
    parser.add_argument(
        "--judge-seconds",
        type=int,
        default=60,
        help="length of the judged run (its p99 rests on 1%% of about 50 x this many samples)",
    )
    parser.add_argument("--services", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-deps.sh --bench installs it")
    if args.judge_interval not in args.intervals:
        args.intervals.insert(0, args.judge_interval)

    django_on_postgres(DATABASE, redis=True)
    account, secret = setup_account()
    print(f"machine: {machine()}")
    flags = ["--worker-class", args.worker_class, "--workers", str(args.workers)]
    if args.worker_class == "gthread":
        flags += ["--threads", str(args.threads)]
    flags += ["--backlog", "2048"]
    print(f"gunicorn {' '.join(flags)}; database {DATABASE}; Redis (refresh queued)")
    server, port = start_gunicorn("slaportal.wsgi:application", flags)
    rng = random.Random(4)
    runs = {}
    try:
        rate, total = batch_throughput(port, secret, args, rng)
        print(
            f"batch ingest: {total:,} events in batches of {args.batch_size} from "
            f"{args.batch_clients} clients: {rate:,.0f} events/s"
        )
        settle()
        saturation_latency(port, secret, args, 3)  # warm every worker's connections
        time.sleep(2)
        for interval_ms in args.intervals:
            if interval_ms:
                seconds = args.judge_seconds if interval_ms == args.judge_interval else args.seconds
                found = agents_latency(port, secret, args, interval_ms, seconds)
            else:
                found = saturation_latency(port, secret, args, args.seconds)
            runs[interval_ms] = found
            pace = (
                f"each every {interval_ms} ms on average (Python agents)"
                if interval_ms
                else "back to back (wrk)"
            )
            print(
                f"single events, {args.clients} clients {pace}: {found['count']:,} requests "
                f"measured at {found['rate']:,.0f} req/s: p50 {found['p50']:.1f} ms, "
                f"p95 {found['p95']:.1f} ms, p99 {found['p99']:.1f} ms, max {found['max']:.1f} ms"
            )
    finally:
        stop_gunicorn(server)
    copy = copy_rate(account, total, args.services, rng)
    print(f"raw COPY of {total:,} rows into sla_statusevent: {copy:,.0f} rows/s")
    print(f"ratio HTTP batch ingest / raw COPY: {rate / copy:.2f}")
    under = [found["rate"] for found in runs.values() if found["p99"] < TARGET_P99_MS]
    print(
        "highest measured rate with single-event p99 < 20 ms: "
        + (f"{max(under):,.0f} req/s" if under else "none")
        + f"; saturation (back to back): {runs[0]['rate']:,.0f} req/s" * (0 in runs)
    )
    targets = Targets("bench_ingest")
    targets.check(
        "batch ingest over HTTP, batches of 1,000",
        f"{rate:,.0f} events/s",
        f">= {TARGET_BATCH_RATE:,} events/s",
        rate >= TARGET_BATCH_RATE,
    )
    judged = runs[args.judge_interval]
    targets.check(
        f"single-event p99, {args.clients} clients at {judged['rate']:,.0f} req/s",
        f"{judged['p99']:.1f} ms",
        f"< {TARGET_P99_MS:.0f} ms",
        judged["p99"] < TARGET_P99_MS,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
