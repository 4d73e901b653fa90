"""Benchmark of ingest under load: 200 requests/s with the periodic jobs running beside it.

Run: ``python bench/bench_load.py [--seconds 120] [--rate 200]`` (``--help`` for the knobs;
also part of ``make bench``). PostgreSQL at BENCH_PG_SERVER (default
postgres://postgres@127.0.0.1:5432), its own database sla_bench_load (created if missing,
migrated, emptied); Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/15, emptied
before and after) as broker, as in production.

Data (loaded before anything is timed): one account (SLA feature on) with an ingest token,
1,000 services (``--services``) in 50 groups, ``--history-hours`` (24) of history (an
event every 30 minutes per service, now and then a CRIT), rolled up in-process once
(snapshots, daily rows, incidents: the jobs start from a steady state), 250 time SLOs
(every fifth service and every group, 30-day windows) with their buckets computed.

Servers: gunicorn on 127.0.0.1 with the flags bench_ingest.py uses (``--worker-class
sync --workers <2 x nproc + 1>``), and for the run with jobs a real Celery worker as the
README runs it (``nice -n 19 celery -A slaportal worker -Q slaportal --concurrency 2``, the
systemd unit's ``Nice=19``). Instead of
beat (whose rollup comes once every 5 minutes) this script sends the periodic jobs on a
compressed schedule: ``sla.rollups_dispatch`` every ``--rollup-every`` s (30) and
``sla.slo_minutely`` every ``--slo-every`` s (60, its real cadence), the first a few
seconds into the run; ``sla.incidents_refresh`` is sent by ingest itself after its
commits (debounced, one per 2 s), as in production.

Load: open loop, ``--rate`` requests/s (200) for ``--seconds`` (120): ``--clients`` (50)
threads, thread i sending its n-th request at t0 + (i + clients x n) / rate, whether or
not the earlier ones have been answered; 90% single-event POST /api/v1/events, 10%
(``--batch-share``) batches of ``--batch-size`` (10) events, each event new (unique id,
now, a random service, mostly OK, some WARN and CRIT so incidents open and close), one
connection per request (sync workers close it; written and read on a raw socket, lighter
than http.client for a generator that shares the cores). Latency: from the request's scheduled
instant to the last byte of the answer (a request sent late because its thread was still
waiting counts its lateness: no coordinated omission); an error is an answer other than
200 or no answer. Two runs, printed side by side: first without jobs (no worker: the
incidents refreshes wait in Redis, as in bench_ingest), then with the worker and the
jobs. Before each run, the refreshes the last one queued are dropped, what its events
changed is derived in-process (the jobs start from a steady state, not from two minutes of
backlog), the tables are vacuumed and a checkpoint is written.

While each run goes, a sampler (``--sample-ms``, 100) reads pg_stat_activity with
pg_blocking_pids and the ungranted pg_locks of every backend: for the web backends
(application_name ``bench-load-web``, set by PGAPPNAME) it counts what an active
statement waits on (CPU when no wait event, else the wait event; for a lock wait, the
lock and the blocking backend's role and statement), and for the worker's backends
(``bench-load-worker``) the longest transaction seen; "not in PostgreSQL" is a web backend
idle between statements (its request is in gunicorn's Python, or waits for a CPU). Every
second it also reads the CPU time of the gunicorn, Celery and PostgreSQL processes (by role,
pool processes included) from /proc, printed as cores in use beside the time the hypervisor
took from this VM (steal: a busy host) and the rest of the machine's busy time (/proc/stat:
other sessions, PostgreSQL's background processes), so a shared machine shows; the worker's
log gives the jobs' run times. Per run it also prints the WAL the cluster wrote
(pg_stat_wal; by table, index and record type with ``--wal-by-relation``), and per slow
second the disks' writes (/proc/diskstats), the dirty page cache, and what the web backends
and the worker were doing in that second's samples (a commit waiting for its WAL flush
shows as LWLock:WALWrite or IO:WALSync). For experiments: ``--worker-nice``,
``--worker-concurrency``, ``--only-jobs``, ``--rate``, ``--wal-by-relation``.

Target (issue 12): with the jobs running, p99 < 50 ms and no error. Exit code 1 if missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    Targets,
    copy_rows,
    django_on_postgres,
    fresh_data,
    machine,
    start_gunicorn,
    stop_gunicorn,
)

DATABASE = "sla_bench_load"
GROUPS = 50
STEP = dt.timedelta(minutes=30)
STATES = ["OK"] * 16 + ["WARN", "CRIT"]
WEB_APP = "bench-load-web"
WORKER_APP = "bench-load-worker"
TARGET_P99_MS = 50.0


# --------------------------------------------------------------------------- data


def seed(args) -> tuple[object, str]:
    """The account, its services, groups, history, SLOs; rolled up once (not timed)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.services import account_create, token_create
    from sla.models import SLO, Service, ServiceGroup
    from sla.services.marks import marks_upsert
    from sla.services.rollups import account_rollup
    from sla.services.slo_buckets import slo_buckets_refresh

    fresh_data()
    account = account_create(name="Load benchmark", slug="bench-load")
    _, secret = token_create(account=account, name="bench", scopes=["ingest"])
    groups = ServiceGroup.objects.bulk_create(
        [ServiceGroup(account=account, name=f"group-{number:02d}") for number in range(GROUPS)]
    )
    services = Service.objects.bulk_create(
        [
            Service(account=account, path=f"bench/svc-{n:05d}", group=groups[n % GROUPS])
            for n in range(args.services)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    first = now - dt.timedelta(hours=args.history_hours)
    steps = int((now - first) / STEP)

    def history():
        for number, service in enumerate(services):
            for step in range(steps):
                state = "CRIT" if (number * 7 + step) % 41 == 0 else "OK"
                yield (
                    account.pk,
                    service.pk,
                    first + step * STEP,
                    state,
                    "",
                    f"h:{number}:{step}",
                    now,
                )

    started = time.perf_counter()
    events = copy_rows(
        "sla_statusevent",
        ["account_id", "service_id", "at", "state", "message", "dedup_key", "received_at"],
        history(),
    )
    marks_upsert(
        account=account,
        subject="service",
        marks={service.pk: (first, first, first) for service in services},
    )
    stats = account_rollup(account=account)
    slos = [
        SLO(account=account, name=f"svc {n}", service=service, sli_kind="time", target="99.9",
            window_days=30)
        for n, service in enumerate(services) if n % 5 == 0
    ] + [
        SLO(account=account, name=f"group {n}", group=group, sli_kind="time", target="99.9",
            window_days=30)
        for n, group in enumerate(groups)
    ]  # fmt: skip
    SLO.objects.bulk_create(slos)
    slo_buckets_refresh(account=account, now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(
        f"data: {len(services):,} services in {GROUPS} groups, {events:,} events over "
        f"{args.history_hours} h, rolled up ({stats.snapshots:,} snapshots, {stats.incidents:,} "
        f"incidents), {len(slos)} time SLOs: loaded in {time.perf_counter() - started:.0f} s"
    )
    return account, secret


def settle(account) -> None:
    """Start each run from a steady state: drop the refreshes the last run queued (without
    a worker they wait in Redis), derive what its events changed in-process (else the
    jobs of the run with jobs would first catch up on the whole run without them), vacuum
    what it grew and write a checkpoint, so none of it lands in the next run."""
    from django.db import connection
    from django.utils import timezone

    from sla.services.rollups import account_rollup, incidents_refresh_account
    from sla.services.slo_buckets import slo_buckets_refresh
    from slaportal.celery import app

    app.control.purge()
    incidents_refresh_account(account=account)
    account_rollup(account=account)
    slo_buckets_refresh(account=account, now=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) sla_statusevent, sla_rollupmark, sla_incident, sla_slo, "
            "sla_uptimesnapshot, sla_slohourbucket"
        )
        cursor.execute("CHECKPOINT")
    connection.close()
    time.sleep(3)


# --------------------------------------------------------------------------- load


def event(rng: random.Random, services: int, event_id: str) -> dict:
    return {
        "service": f"bench/svc-{rng.randrange(services):05d}",
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "state": rng.choice(STATES),
        "id": event_id,
    }


def open_loop(port: int, secret: str, args, seconds: float) -> dict:
    """`args.rate` requests/s from `args.clients` threads on a fixed schedule (see the module
    docstring); per request the latency from its scheduled instant and its kind."""
    head = (
        f"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {secret}\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nContent-Length: "
    ).encode()
    prefix = uuid.uuid4().hex[:10]
    samples: list[list[tuple[float, float, bool]]] = [[] for _ in range(args.clients)]
    errors: list[list[str]] = [[] for _ in range(args.clients)]
    late: list[float] = [0.0] * args.clients
    t0 = time.perf_counter() + 0.5
    stop_at = t0 + seconds

    def client(index: int) -> None:
        rng = random.Random(index * 7919 + 17)
        number = 0
        while True:
            scheduled = t0 + (index + args.clients * number) / args.rate
            if scheduled >= stop_at:
                return
            number += 1
            batch = rng.random() < args.batch_share
            if batch:
                items = [
                    event(rng, args.services, f"{prefix}-{index}-{number}-{k}")
                    for k in range(args.batch_size)
                ]
                body = json.dumps({"events": items})
            else:
                body = json.dumps(event(rng, args.services, f"{prefix}-{index}-{number}"))
            wait = scheduled - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                late[index] = max(late[index], -wait)
            try:
                status, payload = _post(port, head, body.encode())
                if status != 200:
                    errors[index].append(f"HTTP {status}: {payload[:200]!r}")
            except (OSError, ValueError) as error:
                errors[index].append(f"{type(error).__name__}: {error}")
            samples[index].append((scheduled - t0, time.perf_counter() - scheduled, batch))

    threads = [threading.Thread(target=client, args=(index,)) for index in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    flat = sorted((s for client in samples for s in client), key=lambda s: s[0])
    found = _figures([latency for _, latency, _ in flat])
    found["rate"] = len(flat) / elapsed
    found["batch_p99"] = _figures([lat for _, lat, batch in flat if batch]).get("p99", 0.0)
    found["errors"] = sum(len(client) for client in errors)
    found["error_examples"] = Counter(e for client in errors for e in client).most_common(3)
    found["client_late_ms"] = max(late) * 1000
    slow = [(at, latency) for at, latency, _ in flat if latency * 1000 >= args.slow_ms]
    found["slow_at"] = slow
    found["t0"] = t0
    return found


def _post(port: int, head: bytes, body: bytes) -> tuple[int, bytes]:
    """One request on its own connection, read until the server closes it: the status and
    the whole answer. A raw socket instead of http.client (its header parsing is the
    costliest part of a request for the generator, which shares the cores with the servers)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    status_line = answer.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ValueError(f"no HTTP answer: {answer[:100]!r}")
    return int(status_line[1]), answer


def _figures(latencies: list[float]) -> dict:
    if len(latencies) < 2:
        return {}
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "count": len(ordered),
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "max": ordered[-1] * 1000,
    }


# --------------------------------------------------------------------------- observation

SAMPLE_SQL = r"""
SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event,
       left(regexp_replace(a.query, '\s+', ' ', 'g'), 90),
       pg_blocking_pids(a.pid),
       extract(epoch FROM now() - a.xact_start),
       (SELECT string_agg(l.locktype || ' ' || coalesce(l.relation::regclass::text, '')
                          || ' ' || l.mode, ', ')
        FROM pg_locks AS l WHERE l.pid = a.pid AND NOT l.granted)
FROM pg_stat_activity AS a
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND a.backend_type = 'client backend'
"""


WAL_SQL = """
SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync, (SELECT count(*) FROM pg_ls_waldir())
FROM pg_stat_wal
"""
WAL_FIELDS = ("records", "full pages", "bytes", "writes", "syncs", "segment files added")

# WAL of a run by the relation of each record's first block and the record's type
# (pg_walinspect, --wal-by-relation): which tables and indexes the run's writes went to and
# how (an insert, an update, a row lock of a foreign key check), full-page images included.
WAL_BY_RELATION_SQL = """
SELECT coalesce(
           pg_filenode_relation(0, substring(block_ref from 'rel \\d+/\\d+/(\\d+)')::oid)::text,
           '-') AS relation,
       resource_manager || ' ' || record_type,
       count(*), sum(record_length), sum(fpi_length), count(*) FILTER (WHERE fpi_length > 0)
FROM pg_get_wal_records_info(%s, %s)
WHERE block_ref IS NULL OR block_ref LIKE '%% rel 1663/' || (
    SELECT oid FROM pg_database WHERE datname = current_database()) || '/%%'
GROUP BY 1, 2 ORDER BY 4 DESC LIMIT 25
"""


def _statement(query: str) -> str:
    """A short name for a statement: its marker comment or its first words."""
    marker = re.search(r"/\* slaportal: ([^*]+) \*/", query or "")
    if marker:
        return marker.group(1).strip()
    return re.sub(r"'[^']*'|\d+", "?", query or "")[:70]


class Sampler:
    """Samples what the web backends wait on and the worker's transactions (pg_stat_activity,
    pg_blocking_pids, pg_locks), and CPU time by role (/proc), in a thread."""

    def __init__(self, sample_ms: int, wal_by_relation: bool = False):
        self.interval = sample_ms / 1000
        self.wal_by_relation = wal_by_relation
        self.wal_relations: list[tuple] = []
        self.web = Counter()  # what an active web statement waits on
        self.blockers = Counter()  # (lock, blocker role, blocker statement, state)
        self.longest_worker_xact = (0.0, "")
        self.worker_active = Counter()
        self.samples = 0
        self.cpu_first: dict[int, tuple[str, float]] = {}
        self.cpu_last: dict[int, float] = {}
        self.timeline: list[tuple[float, dict[str, float], list[int], tuple[int, int]]] = []
        # per sample: (instant, web backends' active statements by wait, the worker's active
        # statements by wait and by statement)
        self.moments: list[tuple[float, Counter, Counter]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, roles) -> Sampler:
        self.roles = roles  # callable: {pid: role} of the servers' processes
        self.started = time.monotonic()
        self.machine_first = _machine_busy()
        self.steal_first = _steal_seconds()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.seconds = time.monotonic() - self.started
        self.machine_busy = (_machine_busy() - self.machine_first) / self.seconds
        self.steal = (_steal_seconds() - self.steal_first) / self.seconds

    def _run(self) -> None:
        import psycopg
        from django.db import connection as django_connection

        settings = django_connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            dbname=settings["NAME"],
            user=settings["USER"],
            autocommit=True,
            application_name="bench-sampler",
        ) as db:
            next_cpu = 0.0
            wal_first = db.execute(WAL_SQL).fetchone()
            lsn_first = db.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]
            while not self.stopping.is_set():
                rows = db.execute(SAMPLE_SQL).fetchall()
                self._take(rows)
                if time.monotonic() >= next_cpu:
                    self._cpu({row[0]: _pg_role(row[1]) for row in rows})
                    next_cpu = time.monotonic() + 1.0
                self.stopping.wait(self.interval)
            self._cpu({})
            wal_last = db.execute(WAL_SQL).fetchone()
            # What the cluster wrote to its WAL in the run (pg_stat_wal), and the WAL
            # segment files it added (a new one is zero-filled under the WAL write lock).
            deltas = [b - a for a, b in zip(wal_first, wal_last, strict=True)]
            self.wal = dict(zip(WAL_FIELDS, deltas, strict=True))
            if self.wal_by_relation:
                lsn_last = db.execute("SELECT pg_current_wal_flush_lsn()").fetchone()[0]
                db.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect")
                self.wal_relations = db.execute(
                    WAL_BY_RELATION_SQL, [lsn_first, lsn_last]
                ).fetchall()

    def _take(self, rows) -> None:
        self.samples += 1
        by_pid = {row[0]: row for row in rows}
        web_now, worker_now = Counter(), Counter()
        self.moments.append((time.perf_counter(), web_now, worker_now))
        for _pid, app, state, wait_type, wait, query, blocking, xact, locks in rows:
            if app == WORKER_APP and state != "idle":
                self.worker_active[_statement(query)] += 1
                worker_now[f"{wait_type}:{wait}" if wait_type else "CPU"] += 1
                worker_now[_statement(query)[:40]] += 1
                if xact and xact > self.longest_worker_xact[0]:
                    self.longest_worker_xact = (xact, _statement(query))
            if app != WEB_APP:
                continue
            if state != "active":
                # idle: the web process is in Python (or waits for a CPU, or for a request)
                self.web[f"not in PostgreSQL ({state})"] += 1
                continue
            waits_on = f"{wait_type}:{wait}" if wait_type else "CPU (no wait event)"
            self.web[waits_on] += 1
            web_now[waits_on] += 1
            for blocker_pid in blocking or []:
                blocker = by_pid.get(blocker_pid)
                if blocker is None:
                    continue
                self.blockers[
                    (locks or "?", _pg_role(blocker[1]), _statement(blocker[5]), blocker[2])
                ] += 1

    def _cpu(self, pg_roles: dict[int, str]) -> None:
        roles = {**self.roles(), **pg_roles}
        for pid, role in roles.items():
            used = _cpu_seconds(pid)
            if used is None:
                continue
            self.cpu_first.setdefault(pid, (role, used))
            self.cpu_last[pid] = used
        totals = Counter()  # every process seen so far (one that ended keeps its last figure)
        for pid, (role, first) in self.cpu_first.items():
            totals[role] += self.cpu_last[pid] - first
        self.timeline.append((time.perf_counter(), dict(totals), _cpu_ticks(), _disk_state()))

    def seconds_around(self, t0: float, seconds: set[int]) -> list[str]:
        """Per slow second of the run: cores used by role, the machine's busy, iowait and
        steal cores in the sample interval that covers it (timeline deltas)."""
        lines = []
        for before, after in zip(self.timeline, self.timeline[1:], strict=False):
            start, end = before[0] - t0, after[0] - t0
            if not any(start <= second + 0.5 < end for second in seconds):
                continue
            span = end - start
            roles = {
                role: (after[1].get(role, 0.0) - before[1].get(role, 0.0)) / span
                for role in after[1]
            }
            ticks = [(b - a) / _TICKS / span for a, b in zip(before[2], after[2], strict=True)]
            busy = sum(ticks[:8]) - ticks[3] - ticks[4]
            written = (after[3][0] - before[3][0]) / span / 2**20
            dirty = after[3][1] / 1024
            lines.append(
                f"    {start:6.1f}-{end:5.1f} s: "
                + ", ".join(f"{r} {c:.2f}" for r, c in sorted(roles.items(), key=lambda x: -x[1]))
                + f"; machine busy {busy:.2f}, iowait {ticks[4]:.2f}, steal {ticks[7]:.2f}"
                + f"; disk writes {written:.1f} MiB/s, dirty {dirty:.0f} MiB"
            )
            lines.append("      " + self.states_between(before[0], after[0]))
        return lines

    def states_between(self, start: float, end: float) -> str:
        """What the web backends were doing in the samples between two instants (active
        statements by wait event, summed over samples), and what the worker ran."""
        web, worker, samples = Counter(), Counter(), 0
        for at, web_now, worker_now in self.moments:
            if start <= at < end:
                samples += 1
                web.update(web_now)
                worker.update(worker_now)
        shown_web = ", ".join(f"{k} {n}" for k, n in web.most_common(4)) or "none active"
        shown_worker = ", ".join(f"{k} {n}" for k, n in worker.most_common(4))
        return f"{samples} samples; web backends active: {shown_web}; worker: {shown_worker or '-'}"

    def cpu_by_role(self) -> dict[str, float]:
        """Cores in use per role over the run (CPU seconds / wall seconds)."""
        totals = Counter()
        for pid, (role, first) in self.cpu_first.items():
            totals[role] += self.cpu_last[pid] - first
        cores = {role: used / self.seconds for role, used in totals.items()}
        # Steal: time the hypervisor gave this VM's virtual CPUs to someone else while they
        # had work (a busy host); it counts as busy in /proc/stat, but no process here used it.
        cores["steal (the hypervisor)"] = self.steal
        cores["other processes of the machine"] = max(0.0, self.machine_busy - sum(cores.values()))
        return cores


def _pg_role(application_name: str) -> str:
    return {WEB_APP: "postgres (web)", WORKER_APP: "postgres (worker)"}.get(
        application_name, "postgres (other)"
    )


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _roles(parents: dict[int, str]) -> dict[int, str]:
    """{pid: role} of these processes and their children (pool processes come and go)."""
    roles = dict(parents)
    for pid, role in parents.items():
        roles.update(dict.fromkeys(_children(pid), role))
    return roles


def _cpu_ticks() -> list[int]:
    """The machine's cumulative CPU ticks by kind (/proc/stat: user nice system idle iowait
    irq softirq steal)."""
    return [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]


def _disk_state() -> tuple[int, int]:
    """Bytes the machine's disks have written since boot (/proc/diskstats, whole disks:
    the kernel's writeback of dirty pages shows here, not in any process's CPU), and the
    dirty page cache waiting to be written (KiB)."""
    disks = {entry.name for entry in Path("/sys/block").iterdir()}
    sectors = 0
    for line in Path("/proc/diskstats").read_text().splitlines():
        fields = line.split()
        if fields[2] in disks and not fields[2].startswith(("loop", "ram")):
            sectors += int(fields[9])
    return sectors * 512, _meminfo_kib("Dirty")


def _meminfo_kib(name: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def _steal_seconds() -> float:
    """CPU seconds the hypervisor took from this machine since boot (/proc/stat steal)."""
    return _cpu_ticks()[7] / _TICKS


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (/proc/stat: all but idle, iowait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


# --------------------------------------------------------------------------- jobs


def start_worker(log_path: Path, args) -> subprocess.Popen:
    """A Celery worker as the README runs it, its log (level info: task run times) in a file."""
    env = dict(os.environ, PGAPPNAME=WORKER_APP)
    command = [
        "nice", "-n", str(args.worker_nice),
        sys.executable, "-m", "celery", "-A", "slaportal", "worker", "-Q", "slaportal",
        "--concurrency", str(args.worker_concurrency), "-l", "info", "--without-gossip",
        "--without-mingle",
    ]  # fmt: skip
    log = log_path.open("w")
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    from slaportal.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return worker
    worker.kill()
    raise SystemExit(f"the Celery worker did not come up (log: {log_path})")


def stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
    try:
        worker.wait(timeout=120)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


class JobSender:
    """Sends the periodic jobs on a compressed schedule while a run goes (a thread)."""

    def __init__(self, args):
        self.schedule = [
            ("sla.rollups_dispatch", args.rollup_every, 3.0),
            ("sla.slo_minutely", args.slo_every, 8.0),
        ]
        self.sent = Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> JobSender:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()

    def _run(self) -> None:
        from slaportal.celery import app

        started = time.monotonic()
        due = {name: started + first for name, _, first in self.schedule}
        while not self.stopping.is_set():
            now = time.monotonic()
            for name, every, _ in self.schedule:
                if now >= due[name]:
                    app.send_task(name)
                    self.sent[name] += 1
                    due[name] += every
            self.stopping.wait(0.2)


TASK_LINE = re.compile(r"Task (sla\.[a-z_]+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def task_times(log_path: Path) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for match in TASK_LINE.finditer(log_path.read_text(errors="replace")):
        found.setdefault(match.group(1), []).append(float(match.group(2)))
    return found


# --------------------------------------------------------------------------- report


def describe(label: str, found: dict) -> None:
    print(
        f"{label}: {found['count']:,} requests at {found['rate']:.0f} req/s: "
        f"p50 {found['p50']:.1f} ms, p95 {found['p95']:.1f} ms, p99 {found['p99']:.1f} ms, "
        f"max {found['max']:.1f} ms (batches p99 {found['batch_p99']:.1f} ms); "
        f"errors {found['errors']}; client at most {found['client_late_ms']:.0f} ms late; "
        f"load average {found['load']:.2f}"
    )
    for example, count in found["error_examples"]:
        print(f"  error x{count}: {example}")


def describe_waits(sampler: Sampler) -> None:
    total = sum(sampler.web.values()) or 1
    print(
        f"  web backends in {sampler.samples} samples: "
        + ", ".join(f"{name} {count / total:.0%}" for name, count in sampler.web.most_common(7))
    )
    for (lock, role, statement, state), count in sampler.blockers.most_common(5):
        print(f"  blocked x{count} on {lock} by {role} ({state}): {statement}")
    wal = sampler.wal
    print(
        f"  WAL written: {float(wal['bytes']) / 2**20:.1f} MiB, {wal['records']:,} records, "
        f"{wal['full pages']:,} full pages, {wal['writes']:,} writes, {wal['syncs']:,} syncs, "
        f"{wal['segment files added']} segment files added"
    )
    for relation, kind, records, length, fpi_bytes, fpis in sampler.wal_relations:
        print(
            f"    WAL of {relation} ({kind}): {length / 2**20:.2f} MiB in {records:,} records "
            f"({fpis:,} full pages, {fpi_bytes / 2**20:.2f} MiB)"
        )
    cpu = sampler.cpu_by_role()
    print(
        "  cores in use: "
        + ", ".join(f"{role} {used:.2f}" for role, used in sorted(cpu.items(), key=lambda r: -r[1]))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=120, help="length of each run")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s offered")
    parser.add_argument("--clients", type=int, default=50, help="sending threads")
    parser.add_argument("--batch-share", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--history-hours", type=int, default=24)
    parser.add_argument("--rollup-every", type=float, default=30.0)
    parser.add_argument("--slo-every", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--worker-nice", type=int, default=19, help="CPU niceness of the Celery worker (the unit's)"
    )
    parser.add_argument(
        "--only-jobs", action="store_true", help="skip the run without jobs (experiments)"
    )
    parser.add_argument("--sample-ms", type=int, default=100)
    parser.add_argument(
        "--wal-by-relation",
        action="store_true",
        help="print each run's WAL by table and index (pg_walinspect; a superuser role)",
    )
    parser.add_argument("--slow-ms", type=float, default=TARGET_P99_MS)
    args = parser.parse_args()

    django_on_postgres(DATABASE, redis=True)
    account, secret = seed(args)
    print(f"machine: {machine()}")
    flags = ["--worker-class", args.worker_class, "--workers", str(args.workers)]
    if args.worker_class == "gthread":
        flags += ["--threads", str(args.threads)]
    flags += ["--backlog", "2048"]
    print(
        f"gunicorn {' '.join(flags)}; Celery worker --concurrency {args.worker_concurrency}"
        f" (nice {args.worker_nice}); database {DATABASE}; "
        f"{args.rate:.0f} req/s ({args.batch_share:.0%} batches of {args.batch_size}) for "
        f"{args.seconds} s per run"
    )
    os.environ["PGAPPNAME"] = WEB_APP
    server, port = start_gunicorn("slaportal.wsgi:application", flags)
    os.environ.pop("PGAPPNAME")
    runs = {}
    log_path = Path(tempfile.mkstemp(prefix="bench-load-worker-", suffix=".log")[1])
    try:
        open_loop(port, secret, args, 3)  # warm every web process
        for label in ("without jobs", "with jobs")[1 if args.only_jobs else 0 :]:
            settle(account)
            worker = sender = None
            parents = {server.pid: "gunicorn", os.getpid(): "load generator"}
            if label == "with jobs":
                worker = start_worker(log_path, args)
                parents[worker.pid] = "celery"
                sender = JobSender(args).start()
            sampler = Sampler(args.sample_ms, args.wal_by_relation)
            sampler.start(lambda parents=parents: _roles(parents))
            found = open_loop(port, secret, args, args.seconds)
            found["load"] = os.getloadavg()[0]
            sampler.stop()
            if sender:
                sender.stop()
            if worker:
                stop_worker(worker)
            runs[label] = found
            describe(label, found)
            describe_waits(sampler)
            if worker:
                xact, statement = sampler.longest_worker_xact
                print(f"  longest worker transaction seen: {xact:.1f} s ({statement})")
                print(f"  jobs sent: {dict(sender.sent)}")
                for name, times in sorted(task_times(log_path).items()):
                    print(
                        f"  worker ran {name} x{len(times)}: median "
                        f"{statistics.median(times):.2f} s, max {max(times):.2f} s"
                    )
            slow = found["slow_at"]
            if slow:
                seconds_with_slow = Counter(int(at) for at, _ in slow)
                print(
                    f"  requests over {args.slow_ms:.0f} ms: {len(slow)}, in seconds "
                    + ", ".join(f"{s}({n})" for s, n in sorted(seconds_with_slow.items())[:25])
                )
                worst = {s for s, _ in seconds_with_slow.most_common(8)}
                for line in sampler.seconds_around(found["t0"], worst):
                    print(line)
    finally:
        stop_gunicorn(server)
        log_path.unlink(missing_ok=True)
    loaded = runs["with jobs"]
    quiet = runs.get("without jobs")
    if quiet:
        print(
            f"side by side (p50/p95/p99/max ms, errors): without jobs {quiet['p50']:.1f}/"
            f"{quiet['p95']:.1f}/{quiet['p99']:.1f}/{quiet['max']:.0f}, {quiet['errors']}; "
            f"with jobs {loaded['p50']:.1f}/{loaded['p95']:.1f}/{loaded['p99']:.1f}/"
            f"{loaded['max']:.0f}, {loaded['errors']}"
        )
    targets = Targets("bench_load")
    targets.check(
        f"ingest p99 at {loaded['rate']:.0f} req/s with the jobs running",
        f"{loaded['p99']:.1f} ms",
        f"< {TARGET_P99_MS:.0f} ms",
        loaded["p99"] < TARGET_P99_MS,
    )
    targets.check(
        "ingest errors with the jobs running",
        str(loaded["errors"]),
        "0",
        loaded["errors"] == 0,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
