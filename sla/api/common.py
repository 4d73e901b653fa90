"""Shared pieces of the status API: raw bodies with a size cap, strict query parameters."""

import datetime as dt
import json

from rest_framework import exceptions, status

MAX_DB_INT = 2**63 - 1


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class BatchTooLarge(PayloadTooLarge):
    default_code = "batch_too_large"


def raw_body(request, *, limit: int) -> bytes:
    """The request body, refused with 413 beyond `limit` bytes (Django's own, smaller cap on
    `request.body` is for forms; batches of 10,000 events need more)."""
    django_request = request._request
    if getattr(django_request, "_body", None) is not None:
        data = django_request._body
    else:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("Invalid Content-Length header.") from None
        if length > limit:
            raise PayloadTooLarge(f"The request body may be at most {limit} bytes.")
        data = django_request.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The request body may be at most {limit} bytes.")
    return data


def media_type(request) -> str:
    return (request.content_type or "").split(";")[0].strip().lower()


def json_body(data: bytes):
    """Decode JSON (UTF-8/16/32); malformed, too deep or NaN-carrying input is a 400."""
    try:
        return json.loads(data, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise exceptions.ParseError(f"JSON parse error: {error}"[:300]) from None


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _invalid(name: str, message: str):
    return exceptions.ValidationError({name: [message]})


def instant_param(request, name: str) -> dt.datetime | None:
    """An aware ISO 8601 instant from the query string (a '+' decoded to ' ' is repaired)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    text = value.strip().replace(" ", "+")
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(name, "Not an ISO 8601 instant, e.g. 2024-03-01T00:00:00Z.") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise _invalid(name, "Naive timestamp: add an offset or Z (UTC).")
    try:
        return instant.astimezone(dt.UTC)
    except OverflowError:
        raise _invalid(name, "Out of range.") from None


def id_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not value.isdigit() or not 0 < int(value) <= MAX_DB_INT:
        raise _invalid(name, "Must be a positive integer id.")
    return int(value)


def choice_param(request, name: str, choices: dict[str, str]) -> str | None:
    """A value from `choices` (keys lower-case; maps to the stored value)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        return choices[value.strip().lower()]
    except KeyError:
        allowed = ", ".join(sorted(choices))
        raise _invalid(name, f"Unknown value {value[:40]!r}; one of {allowed}.") from None


def range_params(request) -> tuple[dt.datetime | None, dt.datetime | None]:
    start, end = instant_param(request, "from"), instant_param(request, "to")
    if start is not None and end is not None and end <= start:
        raise _invalid("to", "Must be after 'from'.")
    return start, end
