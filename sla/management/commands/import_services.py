"""python manage.py import_services --account SLUG FILE... (`-` reads standard input)

Creates or updates services and their SLA groups from YAML service documents (see
sla/services/imports.py). All or nothing: any error is printed with its file, document
index and field, nothing is written, and the command exits non-zero.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from sla.services.imports import ImportSyntaxError, services_import, services_yaml_documents


class Command(BaseCommand):
    help = "Import services (path, slaGroup, labels) from YAML files into an account."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("files", nargs="+", help="YAML files, or - for standard input")

    def _read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        try:
            return Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{name}: cannot read: {error}") from None

    def handle(self, *args, account, files, **options):
        target = Account.objects.filter(slug=account).first()
        if target is None:
            raise CommandError(f"--account: no account with slug {account!r}")
        documents, origins = [], []
        for name in files:
            try:
                found = services_yaml_documents(self._read(name))
            except ImportSyntaxError as error:
                raise CommandError(f"{name}: {error}") from None
            documents.extend(found)
            origins.extend((name, index) for index in range(len(found)))
        if not documents:
            raise CommandError("no service documents found")
        result = services_import(account=target, documents=documents)
        if result.errors:
            for error in result.errors:
                name, index = origins[error["index"]] if error["index"] < len(origins) else ("?", 0)
                field = error["field"] or "document"
                self.stderr.write(f"{name}: document {index}: {field}: {error['error']}")
            raise CommandError(f"{len(result.errors)} error(s); nothing was imported")
        for action in ("created", "updated", "unchanged"):
            for path in getattr(result, action):
                self.stdout.write(f"{action}: {path}")
        for name in result.groups_created:
            self.stdout.write(f"group created: {name}")
        self.stdout.write(
            f"{len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged."
        )
