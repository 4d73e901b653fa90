"""python manage.py graphql_schema: print the GraphQL schema (SDL) or write schema.graphql.

`--write` rewrites schema.graphql at the repository root; a test fails when that file is
not the schema of the code (run this after changing a GraphQL type)."""

from django.core.management.base import BaseCommand

from slaportal.graphql.schema import SCHEMA_FILE, schema_text


class Command(BaseCommand):
    help = "Print the GraphQL schema (SDL); --write updates schema.graphql in the repository."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"write {SCHEMA_FILE.name}")

    def handle(self, *args, write=False, **options):
        text = schema_text()
        if write:
            SCHEMA_FILE.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {SCHEMA_FILE}")
        else:
            self.stdout.write(text, ending="")
