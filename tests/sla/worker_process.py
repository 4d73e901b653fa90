"""A real Celery worker (subprocess) on the suite's PostgreSQL test database, consuming a
queue of its own, and a private redis-server that a test may stop and start again."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.redis_server import _wait_for, free_port

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """`celery -A slaportal worker` with the test database and `redis_url` as broker."""

    def __init__(self, tmp_path: Path, redis_url: str, *, pool_args=("--pool", "threads")):
        database = connection.settings_dict
        self.queue = f"test-{uuid.uuid4().hex[:10]}"
        self.pool_args = list(pool_args)
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "REDIS_URL": redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "SLA_VAR_DIR": str(tmp_path),
            "SLA_ROLLUP_CHUNK_SIZE": "2",
            "DJANGO_SETTINGS_MODULE": "slaportal.settings",
            "LOG_LEVEL": "WARNING",
        }
        self.log = tmp_path / f"{self.queue}.log"
        self.process = None

    def start(self, *extra) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "slaportal", "worker", "-Q", self.queue,
                *self.pool_args, "-n", f"{self.queue}@%h", "-l", "info", *extra,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def queued(self) -> int:
        import redis

        return redis.Redis.from_url(self.env["REDIS_URL"]).llen(self.queue)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process beside the tests needs PostgreSQL (DATABASE_URL)")


class PrivateRedis:
    """A redis-server of the test's own on a free port, stopped and started at will."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.skip("needs redis-server (scripts/system-deps.sh)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for(self.url, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None
