"""Loading the WSGI application (each gunicorn worker does) does the one-off work of the
first task publish (imports, task registry, producer pool, result backend), so the first
ingest request of a worker does not pay ~90 ms for it, and opens no broker connection
(safe before a fork, and the web starts even with the broker down)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import slaportal.wsgi; from slaportal.celery import app; "
    "print(app.finalized, app.amqp._producer_pool is not None)"
)


def _load_wsgi(**variables) -> str:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_URL"}
    }
    environment.update(variables, DJANGO_SETTINGS_MODULE="slaportal.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_publishing_is_ready_before_the_first_request_without_connecting():
    # Nothing listens on port 1: any connection attempt would fail or hang the import.
    assert _load_wsgi(REDIS_URL="redis://127.0.0.1:1/0") == "True True"


def test_nothing_to_warm_up_with_eager_tasks():
    assert _load_wsgi() == "False False"
