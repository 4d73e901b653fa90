"""python manage.py build_report --account SLUG --date YYYY-MM-DD [--no-notify]

Builds (or rebuilds) the daily JSON and PDF report of a past day, in the account's time
zone, and prints the two files with their SHA-256 checksums. The webhook event and the
emails go out once per report content (a rebuild with unchanged content sends nothing).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from accounts.features import sla_enabled
from accounts.models import Account
from reporting.services.reports import daily_report_build, report_file


class Command(BaseCommand):
    help = "Build the daily report (JSON + PDF) of an account for a past day."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("--date", required=True, help="the day, YYYY-MM-DD (account's zone)")
        parser.add_argument(
            "--no-notify",
            action="store_true",
            help="do not send the webhook event and the emails",
        )

    def handle(self, *args, account, date, no_notify, **options):
        target = Account.objects.filter(slug=account).first()
        if target is None:
            raise CommandError(f"--account: no account with slug {account!r}")
        if not sla_enabled(target):
            raise CommandError(f"--account: the SLA feature is off for {account!r}")
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise CommandError(f"--date: expected YYYY-MM-DD, got {date!r}") from None
        try:
            report = daily_report_build(
                account=target, day=day, regenerate=True, notify=not no_notify
            )
        except ValueError as error:
            raise CommandError(f"--date: {error}") from None
        for kind in ("json", "pdf"):
            path = report_file(getattr(report, f"{kind}_path"))
            self.stdout.write(f"{path}  sha256={getattr(report, f'{kind}_sha256')}")
