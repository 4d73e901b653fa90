"""python manage.py evaluate_sla CASE.json  (or `-` for standard input)

Reads one case (SLA-SEMANTICS.md section 4), prints the result as one JSON object. Bad
input exits non-zero with one line on standard error naming the field.
"""

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from sla.engine import SpecError, evaluate_case, parse_case


class Command(BaseCommand):
    help = "Evaluate an SLA case file with the engine and print the periods as JSON."

    def add_arguments(self, parser):
        parser.add_argument("case", help="path of a case JSON file, or - for standard input")

    def handle(self, *args, case, **options):
        try:
            # Numbers with a fraction as the decimals they are written as (a target of
            # 99.9 is 999/10), never through binary floating point.
            document = json.loads(_read(case), parse_float=Decimal)
        except json.JSONDecodeError as error:
            raise CommandError(f"case: not valid JSON ({error})") from None
        try:
            result = evaluate_case(parse_case(document))
        except SpecError as error:
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
