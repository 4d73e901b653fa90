"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")

app = Celery("slaportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _eager(task) -> bool:
    """An eager task runs inside its caller (a request, a test's transaction): the caller's
    connection is not the task's to close."""
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


@task_prerun.connect
def _connection_ready_for_task(task=None, **kwargs) -> None:
    """A worker task starts on its thread's kept database connection when that still
    answers, else on a new one (as a request does with CONN_HEALTH_CHECKS): a connection
    PostgreSQL dropped while the worker was idle (a restart, an idle timeout) is replaced
    before the task's first query, not found broken by it."""
    from django.db import close_old_connections, connections

    if _eager(task):
        return
    close_old_connections()
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@task_postrun.connect
def _connection_after_task(task=None, **kwargs) -> None:
    """After a worker task, close its connections if they broke or outlived CONN_MAX_AGE
    (Django's request_finished does the same); otherwise the next task reuses them."""
    from django.db import close_old_connections

    if not _eager(task):
        close_old_connections()


def warm_up_publishing() -> None:
    """Do now, once per process, what the first task publish would do on a request: import
    the broker transport, finalize the task registry, build the producer pool and load
    the result backend (about 90 ms of CPU, paid by the first ingest request of every web
    worker otherwise; the broker connection itself, about 10 ms, still opens on the first
    publish). Opens no connection, so it is safe before a fork; without a broker (eager
    tasks) there is nothing to publish and nothing to do."""
    if app.conf.task_always_eager:
        return
    app.finalize(auto=True)
    app.amqp.producer_pool  # noqa: B018 - built for its side effect
    app.backend  # noqa: B018 - loaded for its side effect
