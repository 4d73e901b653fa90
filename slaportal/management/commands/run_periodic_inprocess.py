"""python manage.py run_periodic_inprocess: the periodic jobs without Celery beat or Redis.

For `make run` on a laptop: every job of slaportal/schedule.py runs once at start-up (so
missed runs are caught up) and then on its schedule, in this process; with no REDIS_URL
the per-account units they dispatch run eagerly here too. In production run Celery worker
and beat instead (see README "Running in production"). Stops on SIGTERM or Ctrl-C.
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from slaportal.periodic import InProcessScheduler
from slaportal.schedule import PERIODIC_JOBS


def _selected_jobs(only: list[str] | None) -> list:
    if not only:
        return list(PERIODIC_JOBS)
    known = {job.task for job in PERIODIC_JOBS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise CommandError(
            f"--only: no periodic job runs {', '.join(unknown)} (have {sorted(known)})"
        )
    return [job for job in PERIODIC_JOBS if job.task in only]


class Command(BaseCommand):
    help = "Run the periodic jobs in this process (development without Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument(
            "--only",
            action="append",
            metavar="TASK",
            help="run only this job (its task name, e.g. statuspage.refresh_ahead); repeatable",
        )

    def handle(self, *args, once=False, only=None, **options):
        scheduler = InProcessScheduler(jobs=_selected_jobs(only))
        if settings.REDIS_URL:
            self.stderr.write(
                "REDIS_URL is set: the jobs' units go to the Celery workers "
                "(in production use `celery -A slaportal beat` instead)."
            )
        if once:
            for name in scheduler.tick():
                self.stdout.write(f"ran {name}")
            return
        stop = {"requested": False}

        def request_stop(signum, frame):
            stop["requested"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        names = ", ".join(job.name for job in scheduler.jobs)
        self.stdout.write(f"Running periodic jobs in-process: {names}")
        scheduler.run_forever(lambda: stop["requested"])
        self.stdout.write("Periodic jobs stopped.")
