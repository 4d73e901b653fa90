"""python manage.py license_issue --key vendor-key.pem --sub "ACME Corp" --plugins sla
--days 365 [--max-services 1000]: print a licence JWT signed with the vendor's private key."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from licensing.tokens import LicenseError, issue_license_token


class Command(BaseCommand):
    help = "Issue a licence (EdDSA-signed JWT) with the vendor's private key (vendor side)."

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, help="the private key PEM file")
        parser.add_argument("--sub", required=True, help="the licensee")
        parser.add_argument("--plugins", required=True, help="comma-separated, e.g. sla")
        parser.add_argument("--days", required=True, type=int, help="validity from now")
        parser.add_argument("--max-services", type=int, default=None)

    def handle(self, *args, key, sub, plugins, days, max_services, **options):
        try:
            with open(key, encoding="utf-8") as handle:
                private_pem = handle.read()
        except OSError as error:
            raise CommandError(f"--key: cannot read {key}: {error.strerror}") from None
        if max_services is not None and max_services < 1:
            raise CommandError("--max-services: give a positive number")
        names = [name.strip() for name in plugins.split(",") if name.strip()]
        try:
            token = issue_license_token(
                private_key_pem=private_pem,
                sub=sub,
                plugins=names,
                now=timezone.now(),
                days=days,
                max_services=max_services,
            )
        except LicenseError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(token)
