"""Signal receivers for /metrics. Health of the periodic jobs: each run of a scheduled
task (slaportal.schedule) records its start, success or failure and duration in
``JobRun`` (deployment-wide, so web processes can export what workers did). The SLO
figures of the minutely alert evaluation are kept in the cache for scrapes."""

import logging
import time

from celery.signals import task_failure, task_postrun, task_prerun
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from sla.signals import slo_statuses_evaluated
from slaportal.schedule import PERIODIC_JOBS

logger = logging.getLogger(__name__)
_started: dict[str, float] = {}


def scheduled_tasks() -> set[str]:
    return {job.task for job in PERIODIC_JOBS}


def _record(task_name: str, **fields) -> None:
    from integrations.prometheus.models import JobRun

    try:
        updated = JobRun.objects.filter(task=task_name).update(**fields)
        if not updated:
            JobRun.objects.get_or_create(task=task_name)
            JobRun.objects.filter(task=task_name).update(**fields)
    except Exception:  # health bookkeeping must never fail a job
        logger.warning("could not record the run of %s", task_name, exc_info=True)


@task_prerun.connect
def _job_started(sender=None, task_id=None, task=None, **kwargs):
    name = getattr(task, "name", None)
    if name in scheduled_tasks():
        _started[task_id] = time.monotonic()
        _record(name, last_started_at=timezone.now())


@task_postrun.connect
def _job_finished(sender=None, task_id=None, task=None, state=None, **kwargs):
    name = getattr(task, "name", None)
    started = _started.pop(task_id, None)
    if name not in scheduled_tasks() or started is None or state != "SUCCESS":
        return
    _record(
        name,
        last_success_at=timezone.now(),
        last_duration_seconds=time.monotonic() - started,
        successes=F("successes") + 1,
    )


@task_failure.connect
def _job_failed(sender=None, task_id=None, **kwargs):
    name = getattr(sender, "name", None)
    if name in scheduled_tasks():
        _record(name, last_failure_at=timezone.now(), failures=F("failures") + 1)


@receiver(slo_statuses_evaluated)
def _keep_slo_figures(sender=None, account=None, statuses=None, now=None, **kwargs):
    """The minutely alert evaluation computed every SLO's budget and burn rates: keep them
    for /metrics."""
    from integrations.prometheus.export import figures_store

    figures_store(account=account, statuses=statuses, now=now)
