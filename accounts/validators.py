"""Field validators shared by forms, serializers and models."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


def validate_timezone_name(value: str) -> None:
    """Accept IANA names only (e.g. Europe/Berlin); reject guesses such as CET offsets."""
    if not isinstance(value, str) or not value:
        raise ValidationError("Give an IANA time zone name such as Europe/Berlin.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name such as Europe/Berlin."
        ) from None
    if value not in _known_timezones() and value != "UTC":
        raise ValidationError(f"Unknown time zone {value!r}; use an IANA name.")


_KNOWN: set[str] = set()


def _known_timezones() -> set[str]:
    if not _KNOWN:
        _KNOWN.update(available_timezones())
    return _KNOWN
