"""A real Celery worker (subprocess) against real Redis: the beat task's per-account units
roll up snapshots; a worker killed in the middle of a rollup and a rerun give the same rows.

The worker and the scenario steps share a SQLite file (the suite's own test database may
be in memory); the queue name is unique to the test run.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


class Scenario:
    def __init__(self, tmp_path: Path, redis_url: str):
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.database = tmp_path / "worker.sqlite3"
        self.redis_url = redis_url
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "REDIS_URL": redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "SLA_VAR_DIR": str(tmp_path),
            "SLA_ROLLUP_CHUNK_SIZE": "10",
            "DJANGO_SETTINGS_MODULE": "slaportal.settings",
            "LOG_LEVEL": "WARNING",
        }
        self.workers: list[subprocess.Popen] = []
        self.manage("migrate", "--noinput", "-v0")

    def manage(self, *args) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def step(self, code: str) -> None:
        self.manage("shell", "-c", f"from tests.sla import celery_scenario as s; {code}")

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the shared database directly (no Django start-up per poll)."""
        with sqlite3.connect(self.database, timeout=20) as connection:
            return connection.execute(sql, params).fetchall()

    def progress(self, slug: str) -> dict:
        (snapshots,), = self.query(
            "SELECT count(*) FROM sla_uptimesnapshot s JOIN accounts_account a "
            "ON a.id = s.account_id WHERE a.slug = ?", slug
        )  # fmt: skip
        (incidents,), = self.query(
            "SELECT count(*) FROM sla_incident i JOIN accounts_account a "
            "ON a.id = i.account_id WHERE a.slug = ?", slug
        )  # fmt: skip
        (pending,), = self.query(
            "SELECT count(*) FROM sla_rollupmark m JOIN accounts_account a "
            "ON a.id = m.account_id WHERE a.slug = ? AND m.dirty_from IS NOT NULL", slug
        )  # fmt: skip
        return {"snapshots": snapshots, "incidents": incidents, "pending": pending}

    def dump(self, slug: str) -> dict:
        """Snapshots, daily rows and incidents by service path, comparable across accounts."""
        joins = (
            "JOIN sla_service v ON v.id = t.service_id "
            "JOIN accounts_account a ON a.id = t.account_id WHERE a.slug = ?"
        )
        columns = {
            "snapshots": ("sla_uptimesnapshot", "t.bucket_start, t.seconds_ok, t.seconds_warn, "
                          "t.seconds_crit, t.seconds_unknown, t.seconds_unmonitored",
                          "t.bucket_start"),
            "daily": ("sla_dailyuptime", "t.day, t.seconds_ok, t.seconds_crit", "t.day"),
            "incidents": ("sla_incident", "t.started_at, t.ended_at, t.worst_state, t.state",
                          "t.started_at"),
        }  # fmt: skip
        return {
            name: self.query(
                f"SELECT v.path, {fields} FROM {table} t {joins} ORDER BY v.path, {order}",  # noqa: S608
                slug,
            )
            for name, (table, fields, order) in columns.items()
        }

    def start_worker(self) -> subprocess.Popen:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "slaportal", "worker",
                "-Q", self.queue, "--pool", "solo", "-n", f"{self.queue}-{len(self.workers)}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def wait_for(self, slug: str, condition, seconds: float = 90):
        deadline = time.monotonic() + seconds
        while True:
            state = self.progress(slug)
            if condition(state):
                return state
            assert time.monotonic() < deadline, f"timed out; last state {state}"
            time.sleep(0.02)

    def stop_workers(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait(timeout=30)
        self.workers.clear()

    def close(self):
        self.stop_workers()
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )


@pytest.fixture(scope="module")
def shared_scenario(tmp_path_factory, redis_url):
    """One migrated database file and one queue for the module (migrating takes seconds)."""
    running = Scenario(tmp_path_factory.mktemp("worker"), redis_url)
    yield running
    running.close()


@pytest.fixture
def scenario(shared_scenario):
    yield shared_scenario
    shared_scenario.stop_workers()


def test_a_real_worker_rolls_up_what_beat_dispatches(scenario):
    scenario.step("s.setup(['acme', 'umbrella'], services=7, hours=3)")
    assert scenario.progress("acme")["snapshots"] == 0
    scenario.start_worker()
    scenario.step("s.dispatch()")
    for slug in ("acme", "umbrella"):
        state = scenario.wait_for(slug, lambda state: state["snapshots"] and not state["pending"])
        assert state["snapshots"] >= 7 * 35 and state["incidents"] > 0


def test_killing_the_worker_mid_rollup_then_rerunning_gives_the_same_rows(scenario):
    scenario.step("s.setup(['victim', 'reference'], services=80, hours=24, rolled=('reference',))")
    worker = scenario.start_worker()
    scenario.step("s.dispatch()")
    state = scenario.wait_for("victim", lambda state: state["snapshots"] > 0)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    killed = scenario.progress("victim")
    assert killed["pending"] > 0, f"the rollup finished before the kill: {killed}"
    # The killed unit's lock would expire by itself (a minute); the test does not wait.
    import redis

    client = redis.Redis.from_url(scenario.redis_url)
    for key in client.scan_iter("slaportal:lock:*"):
        client.delete(key)
    scenario.start_worker()
    scenario.step("s.dispatch()")
    scenario.wait_for("victim", lambda state: state["pending"] == 0)
    victim, reference = scenario.dump("victim"), scenario.dump("reference")
    # The two rollups ran at different times: compare the buckets both have.
    cutoff = min(victim["snapshots"][-1][1], reference["snapshots"][-1][1])
    assert [row for row in victim["snapshots"] if row[1] <= cutoff] == [
        row for row in reference["snapshots"] if row[1] <= cutoff
    ]
    assert victim["incidents"] == reference["incidents"]
    cutoff_day = cutoff[:10]
    assert [row for row in victim["daily"] if row[1] < cutoff_day] == [
        row for row in reference["daily"] if row[1] < cutoff_day
    ]
    assert state["snapshots"] < len(victim["snapshots"])
