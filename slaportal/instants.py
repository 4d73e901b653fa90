"""Parsing instants from outside input (API bodies and query strings, forms, commands).

One rule everywhere: ISO 8601 with an offset or `Z`, naive values refused, and a sane year
range, so that period arithmetic, time zones and the database never see an instant they
cannot represent (year 1 minus an hour, or year 9999 plus a period, overflow).
"""

import datetime as dt

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
RANGE_TEXT = "between 1970 and 2200"


class InstantError(ValueError):
    """A value that is not an acceptable instant; the message says why, for the user."""


def parse_aware_instant(value) -> dt.datetime:
    """An aware UTC datetime from an ISO 8601 string; InstantError otherwise."""
    if not isinstance(value, str):
        raise InstantError("Give an ISO 8601 instant as a string, e.g. 2024-03-01T00:00:00Z.")
    text = value.strip()
    if len(text) > 64:
        raise InstantError("Not an ISO 8601 instant (too long).")
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InstantError("Not an ISO 8601 instant, e.g. 2024-03-01T00:00:00Z.") from None
    return checked_instant(instant)


def checked_instant(instant: dt.datetime) -> dt.datetime:
    """Refuse naive and out-of-range datetimes; return the instant in UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InstantError("Naive timestamp: add an offset or Z (UTC).")
    try:
        utc = instant.astimezone(dt.UTC)
    except OverflowError:
        raise InstantError(f"Out of range: give an instant {RANGE_TEXT}.") from None
    if not EARLIEST <= utc < LATEST:
        raise InstantError(f"Out of range: give an instant {RANGE_TEXT}.")
    return utc


def checked_day(day: dt.date) -> dt.date:
    """A calendar day inside the accepted range."""
    if not EARLIEST.date() <= day < LATEST.date():
        raise InstantError(f"Out of range: give a day {RANGE_TEXT}.")
    return day
