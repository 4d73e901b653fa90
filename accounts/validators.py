"""Field validators shared by forms, serializers and models."""

from functools import lru_cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def validate_timezone_name(value: str) -> None:
    """Accept IANA names only (e.g. Europe/Berlin).

    Checked against the list of known zones rather than by loading the name: ZoneInfo()
    would treat the name as a file path (a long or odd name raises OSError, not a clean
    validation error).
    """
    if not isinstance(value, str) or value not in known_timezones():
        shown = value if isinstance(value, str) and len(value) <= 64 else "given value"
        raise ValidationError(
            f"Unknown time zone {shown!r}; use an IANA name such as Europe/Berlin."
        )
