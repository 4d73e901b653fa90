"""Request examples of the main write endpoints, shown in Swagger UI (drf-spectacular)."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view


def _example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


SLA_EXAMPLE = _example(
    "Gold, monthly",
    {
        "title": "Gold",
        "period": "monthly",
        "timezone": "Europe/Berlin",
        "options": {"downtimes": "honor", "warn_as": "WARN"},
        "requirements": [
            {
                "title": "Availability",
                "kind": "percentage",
                "state": "OK",
                "comparison": "min",
                "target": 99.9,
                "levels": {"warn": 50, "crit": 10},
            },
            {
                "title": "Outages",
                "kind": "outages",
                "state": "CRIT",
                "max_count": 2,
                "min_duration_seconds": 300,
            },
        ],
    },
)
SLO_EXAMPLE = _example(
    "API availability, 30 days",
    {"name": "API availability", "service": "payment/api", "target": 99.9, "window_days": 30},
)
DOWNTIME_EXAMPLE = _example(
    "Weekly maintenance",
    {
        "reason": "Database maintenance",
        "start": "2026-12-01T00:00:00Z",
        "recurrence": "weekly",
        "weekdays": [6],
        "time_from": "03:00",
        "duration_minutes": 60,
        "timezone": "Europe/Berlin",
        "public": True,
    },
)
SERVICE_EXAMPLE = _example(
    "A service", {"path": "payment/api", "name": "Payment API", "labels": {"team": "pay"}}
)
PUBLIC_INCIDENT_EXAMPLE = _example(
    "Checkout errors",
    {
        "page": 1,
        "name": "Checkout errors",
        "impact": "major",
        "body": "We are investigating failed payments.",
        "components": [{"component": 1, "status": "partial_outage"}],
    },
)
REQUESTS_EXAMPLE = _example(
    "One minute of requests",
    {
        "items": [
            {
                "service": "shop/web",
                "start": "2026-11-21T10:00:00Z",
                "end": "2026-11-21T10:01:00Z",
                "good": 990,
                "total": 1000,
            }
        ]
    },
)


def with_create_example(example: OpenApiExample):
    """Class decorator: the viewset's create operation shows `example`."""
    return extend_schema_view(create=extend_schema(examples=[example]))
