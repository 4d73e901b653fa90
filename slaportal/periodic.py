"""The periodic jobs of slaportal.schedule, two ways: written to django-celery-beat for
production (worker and beat processes), or run in-process by `run_periodic_inprocess`
when there is no Redis (`make run`)."""

import datetime as dt
import functools
import importlib
import importlib.util
import logging
import time
from dataclasses import dataclass, field

from celery import current_app
from celery.schedules import crontab, schedule
from django.db import transaction
from django.utils import timezone

from slaportal.schedule import PERIODIC_JOBS, PeriodicJob

logger = logging.getLogger(__name__)

# Beat entries this project owns; anything else in the table is left alone.
TASK_NAME_PREFIX = "slaportal: "


def job_schedule(job: PeriodicJob):
    """The Celery schedule of a job (UTC)."""
    if job.crontab:
        minute, hour, day_of_month, month_of_year, day_of_week = job.crontab.split()
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    if job.every_seconds:
        return schedule(dt.timedelta(seconds=job.every_seconds))
    raise ValueError(f"periodic job {job.name!r} has neither crontab nor every_seconds")


def _beat_schedule_fields(job: PeriodicJob) -> dict:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if job.crontab:
        minute, hour, day_of_month, month_of_year, day_of_week = job.crontab.split()
        crontab_row, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone="UTC",
        )
        return {"crontab": crontab_row, "interval": None, "solar": None, "clocked": None}
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=job.every_seconds, period=IntervalSchedule.SECONDS
    )
    return {"interval": interval, "crontab": None, "solar": None, "clocked": None}


@transaction.atomic
def periodic_tasks_sync(jobs: list[PeriodicJob] | None = None) -> dict[str, list[str]]:
    """Write the jobs to django-celery-beat (idempotent) and delete entries this project
    created earlier for jobs that no longer exist."""
    from django_celery_beat.models import PeriodicTask

    jobs = PERIODIC_JOBS if jobs is None else jobs
    report = {"created": [], "updated": [], "unchanged": [], "removed": []}
    wanted = set()
    for job in jobs:
        job_schedule(job)  # refuses a job without a schedule
        name = TASK_NAME_PREFIX + job.name
        wanted.add(name)
        values = {
            "task": job.task,
            "description": job.description,
            "enabled": True,
            **_beat_schedule_fields(job),
        }
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            PeriodicTask.objects.create(name=name, **values)
            report["created"].append(name)
        elif any(getattr(task, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(task, key, value)
            task.save()
            report["updated"].append(name)
        else:
            report["unchanged"].append(name)
    stale = PeriodicTask.objects.filter(name__startswith=TASK_NAME_PREFIX).exclude(name__in=wanted)
    report["removed"] = sorted(stale.values_list("name", flat=True))
    stale.delete()
    return report


@functools.cache
def import_task_modules() -> None:
    """Import every app's `tasks` module: outside a worker Celery's autodiscovery is lazy
    (and its loader hook would re-run Django's set-up), so the tasks are not registered."""
    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def run_job(job: PeriodicJob) -> bool:
    """Run a job's task synchronously in this process; False (logged) if it failed."""
    try:
        import_task_modules()
        current_app.tasks[job.task].apply(throw=True)
    except Exception:
        logger.exception("periodic job %s (%s) failed", job.name, job.task)
        return False
    return True


@dataclass
class InProcessScheduler:
    """Runs due jobs in this process: each once at start-up (catch-up), then on schedule."""

    jobs: list[PeriodicJob] = field(default_factory=lambda: list(PERIODIC_JOBS))
    last_run: dict[str, dt.datetime] = field(default_factory=dict)

    def due_jobs(self, now: dt.datetime) -> list[PeriodicJob]:
        due = []
        for job in self.jobs:
            previous = self.last_run.get(job.name)
            if previous is None or job_schedule(job).is_due(previous).is_due:
                due.append(job)
        return due

    def seconds_to_next(self) -> float:
        waits = [
            job_schedule(job).remaining_estimate(self.last_run[job.name]).total_seconds()
            for job in self.jobs
            if job.name in self.last_run
        ]
        return max(min(waits, default=1.0), 0.0)

    def tick(self) -> list[str]:
        """Run every due job once; returns their names."""
        ran = []
        for job in self.due_jobs(timezone.now()):
            self.last_run[job.name] = timezone.now()
            run_job(job)
            ran.append(job.name)
        return ran

    def run_forever(self, should_stop, max_sleep: float = 5.0) -> None:
        while not should_stop():
            self.tick()
            deadline = time.monotonic() + min(self.seconds_to_next(), max_sleep)
            while not should_stop() and time.monotonic() < deadline:
                time.sleep(0.2)
