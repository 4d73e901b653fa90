"""python manage.py create_token --account SLUG --scopes ingest,read,write [--name NAME]

Prints the secret once, alone on the last line, so scripts can capture it with `tail -1`.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import ALL_SCOPES, Account
from accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API token for an account and print its secret once."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("--scopes", required=True, help="comma-separated: ingest,read,write")
        parser.add_argument("--name", default="cli token")

    def handle(self, *args, account, scopes, name, **options):
        target = Account.objects.filter(slug=account).first()
        if target is None:
            raise CommandError(f"--account: no account with slug {account!r}")
        scope_list = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        unknown = sorted(set(scope_list) - ALL_SCOPES)
        if not scope_list or unknown:
            raise CommandError(
                f"--scopes: unknown or missing scope(s) {unknown}; use ingest, read, write, metrics"
            )
        try:
            token, secret = token_create(account=target, name=name, scopes=scope_list)
        except ValidationError as error:
            raise CommandError(f"--scopes: {error.messages[0]}") from None
        self.stderr.write(f"Token {token.prefix} for {target.slug}; the secret is shown once:")
        self.stdout.write(secret)
