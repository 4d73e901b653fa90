"""python manage.py license_show [--account SLUG | --token JWT-or-file]: who, what, until
when, valid or why not. Without arguments: the deployment's SLA_LICENSE; with --account:
that account's effective licence."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from licensing.selectors import (
    LicenseStatus,
    account_license_status,
    deployment_license_token,
    file_or_text,
    judge_license,
)
from licensing.tokens import LicenseError


class Command(BaseCommand):
    help = "Show a licence: who, which plugins, until when, valid or why not."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="the account's effective licence (slug)")
        parser.add_argument("--token", help="a licence JWT, or the path of a file with one")

    def handle(self, *args, account=None, token=None, **options):
        now = timezone.now()
        if account:
            found = Account.objects.filter(slug=account).first()
            if found is None:
                raise CommandError(f"--account: no account {account!r}")
            status = account_license_status(account=found, now=now)
        else:
            status = self._status(token, now)
        for line in self._lines(status):
            self.stdout.write(line)

    def _status(self, token, now) -> LicenseStatus:
        try:
            text = file_or_text(token) if token else deployment_license_token()
        except LicenseError as error:
            return LicenseStatus(source="deployment", state="invalid", reason=str(error))
        if not text:
            return LicenseStatus(source=None, state="missing", reason="SLA_LICENSE is not set")
        return judge_license(text, source="given" if token else "deployment", now=now)

    def _lines(self, status: LicenseStatus) -> list[str]:
        claims = status.claims
        lines = [f"source:    {status.source or '-'}", f"state:     {status.state}"]
        if claims:
            lines += [
                f"licensee:  {claims.sub}",
                f"plugins:   {', '.join(claims.plugins) or '(none)'}",
                f"issued:    {claims.issued_at.isoformat()}",
                f"expires:   {claims.expires_at.isoformat()}",
                f"grace to:  {status.grace_ends_at.isoformat()}",
                f"services:  at most {claims.max_services}"
                if claims.max_services
                else "services:  no limit",
            ]
        lines.append(f"SLA:       {'on' if status.allows_sla else 'off'}")
        if status.refusal:
            lines.append(f"why not:   {status.refusal}")
        if status.warning:
            lines.append(f"warning:   {status.warning}")
        return lines
