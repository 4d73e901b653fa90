"""python manage.py evaluate_agreement CASE.json  (or `-` for standard input)

Reads one agreement case (AGREEMENTS.md section 7) and prints the state, the resolved
constraints and the levels after each assessment as one JSON object. Bad input exits
non-zero with one line on standard error naming the field.
"""

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from agreements.engine import AgreementError
from agreements.engine.cases import run_case


class Command(BaseCommand):
    help = "Run an agreement case file through the engine and print the levels as JSON."

    def add_arguments(self, parser):
        parser.add_argument("case", help="path of a case JSON file, or - for standard input")

    def handle(self, *args, case, **options):
        try:
            # Sample values and thresholds stay exact decimals, never binary floats.
            document = json.loads(_read(case), parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CommandError(f"case: not valid JSON ({error})") from None
        try:
            result = run_case(document)
        except AgreementError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result))


def _read(case: str) -> str:
    if case == "-":
        return sys.stdin.read()
    try:
        with open(case, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise CommandError(f"case: cannot read {case!r}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"case: {case!r} is not UTF-8 text") from None
