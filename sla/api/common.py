"""Shared pieces of the status API: raw bodies with a size cap and strict JSON."""

import json

from rest_framework import exceptions, status

from slaportal.api.parsers import refuse_lone_surrogates


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


def json_body(data: bytes, *, text_checked_per_item: bool = False):
    """Decode JSON (UTF-8/16/32); malformed, too deep or NaN-carrying input is a 400, and so
    is text no database stores (a lone surrogate, slaportal/text.py), naming its path,
    unless the caller rejects such items one by one (`text_checked_per_item`)."""
    try:
        payload = json.loads(data, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise exceptions.ParseError(f"JSON parse error: {error}"[:300]) from None
    if not text_checked_per_item:
        refuse_lone_surrogates(payload)
    return payload


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")
