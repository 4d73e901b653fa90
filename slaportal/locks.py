"""Singleton locks for periodic jobs: a job that finds its lock held skips its run.

With Redis (REDIS_URL) the lock is a redis-py lock with a timeout, so a lock left by a
killed worker expires by itself; long jobs call `refresh()` between steps to keep it.
Without Redis (laptop, `make run`) it is an exclusive `flock` on a file under SLA_VAR_DIR,
released by the operating system when the holder dies.
"""

import fcntl
import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "slaportal:lock:"


class HeldLock:
    """A lock this process holds; `refresh()` restarts its timeout (Redis only)."""

    def __init__(self, name: str, redis_lock=None, handle=None):
        self.name = name
        self._redis_lock = redis_lock
        self._handle = handle

    def refresh(self) -> None:
        if self._redis_lock is not None:
            self._redis_lock.reacquire()

    def release(self) -> None:
        if self._redis_lock is not None:
            from redis.exceptions import LockError

            try:
                self._redis_lock.release()
            except LockError:  # expired meanwhile (and maybe taken by another run)
                logger.warning("lock %s had expired before it was released", self.name)
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()


def redis_client(*, socket_connect_timeout: float = 2, socket_timeout: float = 5):
    """A (shared, per process) Redis client for REDIS_URL with short timeouts; callers must
    handle connection errors."""
    return _client(settings.REDIS_URL, socket_connect_timeout, socket_timeout)


@functools.lru_cache(maxsize=8)
def _client(url: str, socket_connect_timeout: float, socket_timeout: float):
    import redis

    return redis.Redis.from_url(
        url, socket_connect_timeout=socket_connect_timeout, socket_timeout=socket_timeout
    )


def _file_for(name: str) -> Path:
    directory = Path(settings.VAR_DIR) / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".lock")


def _acquire(name: str, timeout: int) -> HeldLock | None:
    if settings.REDIS_URL:
        lock = redis_client().lock(KEY_PREFIX + name, timeout=timeout, blocking=False)
        return HeldLock(name, redis_lock=lock) if lock.acquire() else None
    handle = _file_for(name).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return HeldLock(name, handle=handle)


@contextmanager
def singleton_lock(name: str, *, timeout: int) -> Iterator[HeldLock | None]:
    """Yield the held lock, or None when another run holds it (then skip the work)."""
    held = _acquire(name, timeout)
    try:
        yield held
    finally:
        if held is not None:
            held.release()
