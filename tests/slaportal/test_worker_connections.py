"""A real Celery worker keeps its database connection from one task to the next (Celery's
Django fixup would open a new PostgreSQL backend for every task: a fork, authentication and
a cold catalog cache each time), and replaces a connection PostgreSQL dropped between tasks
before the next task's first query (slaportal/celery.py)."""

import time

import pytest
from celery import Celery
from django.db import connection

from tests.sla.worker_process import Worker, require_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]


@pytest.fixture
def worker(tmp_path, redis_url):
    require_postgres()
    # prefork with one process, as production runs it: one connection serves every task
    running = Worker(tmp_path, redis_url, pool_args=("--pool", "prefork", "--concurrency", "1"))
    running.start("--include", "tests.slaportal.worker_connection_task")
    yield running
    running.stop()


def backends_seen(worker, sender, out, tasks: int) -> list[int]:
    """Send `tasks` tasks one after the other; the backend pid each ran on."""
    for _ in range(tasks):
        before = len(out.read_text().split()) if out.exists() else 0
        sender.send_task("tests.backend_pid", args=[str(out)], queue=worker.queue)
        deadline = time.monotonic() + 60
        while (len(out.read_text().split()) if out.exists() else 0) == before:
            assert worker.alive(), worker.log.read_text()[-4000:]
            assert time.monotonic() < deadline, worker.log.read_text()[-4000:]
            time.sleep(0.05)
    return [int(pid) for pid in out.read_text().split()]


def test_tasks_share_one_connection_and_a_dropped_one_is_replaced(worker, redis_url, tmp_path):
    sender = Celery("sender", broker=redis_url, set_as_current=False)
    out = tmp_path / "pids"
    first = backends_seen(worker, sender, out, 3)
    assert len(set(first)) == 1, f"a new backend per task: {first}"

    with connection.cursor() as cursor:  # as a PostgreSQL restart or an idle timeout would
        cursor.execute("SELECT pg_terminate_backend(%s)", [first[0]])
    after = backends_seen(worker, sender, out, 2)[3:]
    assert after[0] != first[0] and after[0] == after[1], after
    log = worker.log.read_text()
    assert "Traceback" not in log and "raised unexpected" not in log, log[-4000:]
