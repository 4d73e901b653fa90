"""Loaded first (`-p tests.xdist_worker_env` in pyproject.toml), before Django's settings.

`make test` runs the suite in several processes (pytest-xdist). With REDIS_URL set, the
worker processes must not share one Redis database: tests start real Celery workers on the
broker's queues, take singleton locks and clear the cache, and another worker's tests would
see (and steal) all of it. So worker `gwN` uses database `(D + N) % 16` of the same server,
D being the database REDIS_URL names. PostgreSQL needs nothing here: pytest-django gives
every worker its own test database (`test_<name>_gwN`).
"""

import os
from urllib.parse import urlsplit, urlunsplit


def redis_url_for_worker(url: str, worker: str) -> str:
    """REDIS_URL with its database number moved by the worker's index (gw0 keeps it)."""
    index = int(worker.removeprefix("gw"))
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return url  # a unix socket URL names its database in the query: left as it is
    base = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + index) % 16}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], _worker)
