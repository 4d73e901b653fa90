"""GET /api/v1/nines?target=99.95: the allowed downtime of a target per period, exactly."""

import re
from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from sla.engine.nines import allowed_downtime, allowed_fraction_of, exact_decimal, nines
from slaportal.api.params import invalid

TARGET = re.compile(r"\d{1,3}(?:\.\d{1,10})?")

EXAMPLE = {
    "target": "99.95",
    "comparison": "min",
    "allowed_fraction": "0.0005",
    "nines": 3.301,
    "periods": [
        {
            "period": "year",
            "days": "365",
            "seconds": "31536000",
            "allowed_seconds": "15768",
            "allowed": 15768.0,
            "text": "4 h 22 min 48 s",
        },
        {
            "period": "month",
            "days": "30.4375",
            "seconds": "2629800",
            "allowed_seconds": "1314.9",
            "allowed": 1314.9,
            "text": "21 min 54.9 s",
        },
    ],
}


def parse_target(value: str | None, name: str = "target") -> Decimal:
    """A percentage from 0 to 100 written as a plain decimal (99.95); 400 otherwise."""
    text = (value or "").strip()
    if not TARGET.fullmatch(text) or not 0 <= Decimal(text) <= 100:
        raise invalid(name, "Give a percentage from 0 to 100 as a decimal, e.g. 99.95.")
    return Decimal(text)


def nines_json(target: Decimal, comparison: str = "min") -> dict:
    """The nines table as JSON: exact figures as decimal strings, floats beside them."""
    count = nines(target) if comparison == "min" else None
    return {
        "target": str(target),
        "comparison": comparison,
        "allowed_fraction": exact_decimal(allowed_fraction_of(target, comparison)),
        "nines": None if count is None else round(count, 3),
        "periods": [
            {
                "period": row.period.name,
                "days": exact_decimal(row.period.days),
                "seconds": exact_decimal(row.period.seconds),
                "allowed_seconds": exact_decimal(row.allowed_seconds),
                "allowed": float(row.allowed_seconds),
                "text": row.text,
            }
            for row in allowed_downtime(target, comparison)
        ],
    }


class NinesView(AccountScopedMixin, APIView):
    """Allowed downtime per year, quarter, month, week, day and hour for a target."""

    @extend_schema(
        parameters=[
            OpenApiParameter("target", str, required=True, description="percent, e.g. 99.95"),
            OpenApiParameter(
                "comparison",
                str,
                enum=["min", "max"],
                description="min (default): at least target % up; max: at most target % down",
            ),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="bad target"),
        },
        examples=[OpenApiExample("99.95", value=EXAMPLE, response_only=True)],
        description=(
            "The nines table: allowed = (1 - target/100) x period, exact (decimal strings), "
            "for a 365-day year, a 91.3125-day quarter, a 30.4375-day month, a week, a day "
            "and an hour."
        ),
    )
    def get(self, request):
        target = parse_target(request.query_params.get("target"))
        comparison = request.query_params.get("comparison") or "min"
        if comparison not in ("min", "max"):
            raise invalid("comparison", "Give min or max.")
        return Response(nines_json(target, comparison))
