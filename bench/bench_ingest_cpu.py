"""CPU time of one ingest request in the web process (issue 12's load figure).

Run: ``python bench/bench_ingest_cpu.py [--requests 2000] [--profile single]`` (also part
of ``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_ingest_cpu (created if missing, migrated, emptied); Redis at
BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, emptied before and after) as cache and
broker, as in production (rate limits counted there, the incident refresh queued there; no
worker is started).

No HTTP server and no client: the requests go through the WSGI application gunicorn serves
(`slaportal.wsgi.application`: the ingest edge, which takes a well-formed push of known
services itself, then Django with every middleware, DRF authentication and throttling,
parsing, the ingest statement, the post-commit work, rendering) in this process, and each
kind also through Django alone (`django_application`) beside it, so
``time.process_time()`` around each call is the CPU one gunicorn worker spends on it,
minus only the HTTP parsing gunicorn does. The
PostgreSQL backend's CPU (from /proc, when PostgreSQL runs on this machine) is printed
beside it.

Data: one account (SLA feature on) with an ingest token, 1,000 services in 50 groups (no
portal link, as most accounts). Kinds, ``--requests`` of each after ``--warmup``
unmeasured: ``single`` (one new event, now, a random service, mostly OK), ``batch10``
(ten such events) and ``counts`` (POST /api/v1/requests, one bucket). Figures per kind:
median and mean CPU per request in the web process and in its PostgreSQL backend, mean
wall time, and the CPU a second of 200 requests (90 % single, 10 % batch10, issue 12's mix)
would take. ``--profile KIND``: a cProfile of that kind's requests (CPU time, not waits),
the top functions by cumulative time (the profiler slows everything 3-4x; its shares are
what count; ``--profile-out`` keeps it for pstats).

Target (issue 12, indirect): the mix at 200 requests/s must leave the jobs a core, i.e.
web CPU <= 1.0 core (5 ms a request); exit code 1 if missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_ingest_cpu"
SERVICES = 1000
GROUPS = 50
STATES = ["OK"] * 12 + ["WARN", "CRIT"]
TARGET_CORES = 1.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def seed() -> str:
    from accounts.services import account_create, token_create
    from sla.models import Service, ServiceGroup

    fresh_data()
    account = account_create(name="Ingest CPU benchmark", slug="bench-ingest-cpu")
    _, secret = token_create(account=account, name="bench", scopes=["ingest"])
    groups = ServiceGroup.objects.bulk_create(
        [ServiceGroup(account=account, name=f"group-{number:02d}") for number in range(GROUPS)]
    )
    Service.objects.bulk_create(
        [
            Service(account=account, path=f"bench/svc-{n:05d}", group=groups[n % GROUPS])
            for n in range(SERVICES)
        ]
    )
    return secret


class Bodies:
    """Request bodies of each kind, every event new (unique id, the current instant)."""

    def __init__(self):
        self.rng = random.Random(12)
        self.prefix = uuid.uuid4().hex[:10]
        self.number = 0

    def event(self) -> dict:
        self.number += 1
        return {
            "service": f"bench/svc-{self.rng.randrange(SERVICES):05d}",
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "state": self.rng.choice(STATES),
            "id": f"{self.prefix}-{self.number}",
        }

    def body(self, kind: str) -> tuple[str, bytes]:
        if kind == "single":
            return "/api/v1/events", json.dumps(self.event()).encode()
        if kind == "batch10":
            events = [self.event() for _ in range(10)]
            return "/api/v1/events", json.dumps({"events": events}).encode()
        minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        self.number += 1
        start = minute - dt.timedelta(minutes=self.number)
        item = {
            "service": f"bench/svc-{self.rng.randrange(SERVICES):05d}",
            "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=1)).isoformat(),
            "good": 990,
            "total": 1000,
        }
        return "/api/v1/requests", json.dumps(item).encode()


def environ(path: str, body: bytes, secret: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def call(handler, path: str, body: bytes, secret: str) -> None:
    statuses = []
    response = handler(environ(path, body, secret), lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}")


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (nan when PostgreSQL
    runs elsewhere)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run(handler, secret: str, kind: str, count: int, bodies: Bodies) -> dict:
    cpu, wall = [], []
    pg_before = backend_cpu()
    for _ in range(count):
        path, body = bodies.body(kind)
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        call(handler, path, body, secret)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    pg = (backend_cpu() - pg_before) / count
    return {
        "cpu_median": statistics.median(cpu) * 1000,
        "cpu_mean": statistics.fmean(cpu) * 1000,
        "wall_mean": statistics.fmean(wall) * 1000,
        "pg_mean": pg * 1000,
    }


def profile(handler, secret: str, kind: str, count: int, bodies: Bodies, top: int, out_path: str):
    profiler = cProfile.Profile(time.process_time)  # CPU, not waits for the servers
    requests = [bodies.body(kind) for _ in range(count)]
    profiler.enable()
    for path, body in requests:
        call(handler, path, body, secret)
    profiler.disable()
    if out_path:
        profiler.dump_stats(out_path)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured, per kind")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--kinds", default="single,batch10,counts")
    parser.add_argument("--profile", help="cProfile this kind (single, batch10, counts)")
    parser.add_argument("--top", type=int, default=60, help="functions the profile prints")
    parser.add_argument("--profile-out", default="", help="also save the profile (pstats)")
    parser.add_argument(
        "--handler", default="served", choices=["served", "django"],
        help="what --profile calls: the served application or Django alone",
    )  # fmt: skip
    args = parser.parse_args()

    django_on_postgres(DATABASE, redis=True)
    from slaportal.wsgi import application, django_application

    # What gunicorn serves (the ingest edge in front) and, beside it, Django alone.
    handlers = {"served": application, "django": django_application}
    handler = handlers[args.handler]
    secret = seed()
    print(machine())
    bodies = Bodies()
    if args.profile:
        run(handler, secret, args.profile, args.warmup, bodies)
        profile(handler, secret, args.profile, args.requests, bodies, args.top, args.profile_out)
        return 0
    figures = {}
    for kind in args.kinds.split(","):
        for name, each in handlers.items():
            run(each, secret, kind, args.warmup, bodies)
            found = run(each, secret, kind, args.requests, bodies)
            figures[name, kind] = found
            print(
                f"{kind:8} {name:6} {args.requests} requests: web CPU median "
                f"{found['cpu_median']:.2f} ms, mean {found['cpu_mean']:.2f} ms; PostgreSQL "
                f"backend {found['pg_mean']:.2f} ms; wall mean {found['wall_mean']:.2f} ms"
            )
    figures = {kind: found for (name, kind), found in figures.items() if name == "served"}
    targets = Targets("ingest CPU")
    if "single" in figures and "batch10" in figures:
        mix = 0.9 * figures["single"]["cpu_mean"] + 0.1 * figures["batch10"]["cpu_mean"]
        cores = mix * 200 / 1000
        targets.check(
            "web CPU at 200 req/s (90 % single, 10 % batch10)",
            f"{cores:.2f} cores ({mix:.2f} ms a request)",
            f"<= {TARGET_CORES} core",
            cores <= TARGET_CORES,
        )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
