"""python manage.py setup_periodic_tasks: write PERIODIC_JOBS to django-celery-beat.

Idempotent; removes beat entries it created earlier for jobs that no longer exist. Run it
after every deploy (before starting beat).
"""

from django.core.management.base import BaseCommand

from slaportal.periodic import periodic_tasks_sync


class Command(BaseCommand):
    help = "Write the periodic jobs declared in slaportal/schedule.py to django-celery-beat."

    def handle(self, *args, **options):
        report = periodic_tasks_sync()
        for action in ("created", "updated", "unchanged", "removed"):
            for name in report[action]:
                self.stdout.write(f"{action}: {name}")
        counts = ", ".join(f"{len(names)} {action}" for action, names in report.items())
        self.stdout.write(f"Periodic tasks: {counts}.")
