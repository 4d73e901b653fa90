"""Strict query-string parameters for API views: a clear 400 naming the parameter, never
a 500 (Unicode digits such as "²" pass str.isdigit() but not int(); huge or ancient dates
overflow calendar arithmetic)."""

import datetime as dt

from rest_framework import exceptions, serializers

from slaportal.instants import InstantError, checked_instant, parse_aware_instant

MAX_DB_INT = 2**63 - 1


def invalid(name: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [message]})


def _query_value(request, name: str) -> str | None:
    params = getattr(request, "query_params", None)
    value = (params if params is not None else request.GET).get(name)
    return None if value is None or value == "" else value


def parse_int(value: str, name: str, *, minimum: int = 0, maximum: int = MAX_DB_INT) -> int:
    """A whole number in [minimum, maximum] written in ASCII digits."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= maximum:
        raise invalid(name, f"Give a whole number from {minimum} to {maximum}.")
    return int(text)


def int_param(request, name: str, *, default=None, minimum: int = 0, maximum: int = MAX_DB_INT):
    value = _query_value(request, name)
    return default if value is None else parse_int(value, name, minimum=minimum, maximum=maximum)


def clamped_int(request, name: str, default, low: int, high: int):
    """For HTML pages: a bad or missing value falls back to `default`, others are clamped
    into [low, high] (a page shows something sensible instead of an error)."""
    value = (_query_value(request, name) or "").strip()
    if not (value.isascii() and value.isdigit()):
        return default
    return max(low, min(int(value), high))


def id_param(request, name: str) -> int | None:
    """A positive object id (looked up by the caller within the request's account)."""
    return int_param(request, name, minimum=1)


def instant_param(request, name: str) -> dt.datetime | None:
    """An aware ISO 8601 instant from the query string (a '+' decoded to ' ' is repaired)."""
    value = _query_value(request, name)
    if value is None:
        return None
    try:
        return parse_aware_instant(value.strip().replace(" ", "+"))
    except InstantError as error:
        raise invalid(name, str(error)) from None


def choice_param(request, name: str, choices: dict[str, str]) -> str | None:
    """A value from `choices` (keys lower-case; maps to the stored value)."""
    value = _query_value(request, name)
    if value is None:
        return None
    try:
        return choices[value.strip().lower()]
    except KeyError:
        allowed = ", ".join(sorted(choices))
        raise invalid(name, f"Unknown value {value[:40]!r}; one of {allowed}.") from None


def range_params(request) -> tuple[dt.datetime | None, dt.datetime | None]:
    start, end = instant_param(request, "from"), instant_param(request, "to")
    if start is not None and end is not None and end <= start:
        raise invalid("to", "Must be after 'from'.")
    return start, end


class AwareDateTimeField(serializers.DateTimeField):
    """A serializer field for instants with the same rules as the query parameters."""

    def to_internal_value(self, value):
        if isinstance(value, dt.datetime):
            instant = value
        else:
            try:
                return parse_aware_instant(value)
            except InstantError as error:
                raise serializers.ValidationError(str(error)) from None
        try:
            return checked_instant(instant)
        except InstantError as error:
            raise serializers.ValidationError(str(error)) from None


def clamped_ints(request, name: str, low: int, high: int, limit: int = 24) -> list[int]:
    """For HTML pages: every value of a repeated parameter (``?period=0&period=2``) that is a
    whole number, clamped into [low, high], without repeats, at most `limit` of them."""
    found: list[int] = []
    for value in request.GET.getlist(name)[: limit * 2]:
        text = value.strip()
        if text.isascii() and text.isdigit():
            number = max(low, min(int(text), high))
            if number not in found:
                found.append(number)
    return found[:limit]
