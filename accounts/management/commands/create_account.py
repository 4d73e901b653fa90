"""python manage.py create_account --name NAME --slug SLUG [--timezone TZ] [--without-sla]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.services import account_create


class Command(BaseCommand):
    help = "Create an account (tenant). The SLA feature is on unless --without-sla."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--timezone", default="UTC", help="IANA name, default UTC")
        parser.add_argument("--without-sla", action="store_true")

    def handle(self, *args, name, slug, timezone, without_sla, **options):
        existing = Account.objects.filter(slug=slug).first()
        if existing is not None:
            raise CommandError(f"--slug: an account with slug {slug!r} already exists")
        try:
            account = account_create(
                name=name, slug=slug, timezone_name=timezone, sla_feature=not without_sla
            )
        except ValidationError as error:
            raise CommandError(_first_error(error, {"timezone_name": "timezone"})) from None
        self.stdout.write(f"Created account {account.slug} (id {account.pk}).")


def _first_error(error: ValidationError, renames: dict[str, str]) -> str:
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return f"--{renames.get(field, field)}: {messages[0]}"
    return f"--timezone: {error.messages[0]}"
