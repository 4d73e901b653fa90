"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")

app = Celery("slaportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
