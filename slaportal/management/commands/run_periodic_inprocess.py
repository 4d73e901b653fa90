"""python manage.py run_periodic_inprocess: the periodic jobs without Celery beat or Redis.

For `make run` on a laptop: every job of slaportal/schedule.py runs once at start-up (so
missed runs are caught up) and then on its schedule, in this process; with no REDIS_URL
the per-account units they dispatch run eagerly here too. In production run Celery worker
and beat instead (see README "Running in production"). Stops on SIGTERM or Ctrl-C.
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from slaportal.periodic import InProcessScheduler


class Command(BaseCommand):
    help = "Run the periodic jobs in this process (development without Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once=False, **options):
        scheduler = InProcessScheduler()
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
