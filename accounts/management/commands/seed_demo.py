"""python manage.py seed_demo: a demo account with an operator login, a token and history.

Idempotent: re-running keeps the account and login, and issues a fresh demo token (a token
secret cannot be shown twice, so the old demo token is revoked).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo account, its operator login and an API token."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-secret", action="store_true", help="do not print the token")

    def handle(self, *args, quiet_secret=False, **options):
        with transaction.atomic():
            result = demo_seed()
        self.stdout.write(f"Demo account: {result.account.name} (slug {result.account.slug})")
        for line in result.notes:
            self.stdout.write(line)
        self.stdout.write(f"Operator login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        if not quiet_secret:
            self.stdout.write(f"API token (read, write, ingest): {result.token_secret}")
