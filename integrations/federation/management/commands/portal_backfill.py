"""python manage.py portal_backfill --account SLUG [--days 90]

Pushes to the account's portal what it had before its portal link existed: state changes
of the last DAYS days, downtimes, incidents and daily reports (integrations.federation.
services.portal_backfill), through the outbox like every push. Safe to run again.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from integrations.federation.services import portal_backfill


class Command(BaseCommand):
    help = "Push an account's recent history to its SLA Portal (after enabling the link)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("--days", type=int, default=90, help="how far back (default 90)")

    def handle(self, *args, account, days, **options):
        target = Account.objects.filter(slug=account).first()
        if target is None:
            raise CommandError(f"--account: no account with slug {account!r}")
        if not 1 <= days <= 400:
            raise CommandError("--days: 1 to 400")
        try:
            counts = portal_backfill(account=target, days=days)
        except LookupError as error:
            raise CommandError(f"--account: {error}") from None
        self.stdout.write(
            ", ".join(f"{name}: {count}" for name, count in counts.items()) + " messages queued"
        )
