"""Every API error is JSON: `{"error": code, "message": text, "fields": {path: [msgs]}}`.

`fields` is present for validation errors only; nested paths look like `items[3].state`, so a
client can point at the exact value it sent wrong.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {dotted.path[index]: [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(flatten_errors(value, _child_path(prefix, key)))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                flat.setdefault(prefix or "non_field_errors", []).extend(map(str, detail))
        else:
            for index, item in enumerate(detail):
                flat.update(flatten_errors(item, f"{prefix}[{index}]"))
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def _child_path(prefix: str, key) -> str:
    if isinstance(key, int):  # ListField errors come keyed by item index
        return f"{prefix}[{key}]"
    child = "" if key == "non_field_errors" else str(key)
    return f"{prefix}.{child}" if prefix and child else (prefix or child)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def _validation_body(detail) -> dict:
    fields = flatten_errors(detail)
    first_path, first_messages = next(iter(fields.items()), ("", ["Invalid input."]))
    message = (
        first_messages[0]
        if first_path == "non_field_errors"
        else (f"{first_path}: {first_messages[0]}")
    )
    return error_body("validation_error", message, fields)


class Conflict(exceptions.APIException):
    """409: the request conflicts with other rows (e.g. deleting an object still in use)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is in use."
    default_code = "conflict"


def in_use_conflict(error: ProtectedError | RestrictedError, what: str = "") -> Conflict:
    """A deletion refused because other rows point at the object: name (up to ten of) them,
    so the user knows what to change first."""
    users = sorted({str(obj) for obj in getattr(error, "protected_objects", None) or ()})
    users = users or sorted({str(obj) for obj in getattr(error, "restricted_objects", ())})
    named = ", ".join(users[:10]) + (" ..." if len(users) > 10 else "")
    subject = what or "The object"
    return Conflict(f"{subject} is in use by {named}; change or delete those first.")


def _as_drf_exception(exc):
    if isinstance(exc, ProtectedError | RestrictedError):
        return in_use_conflict(exc)
    if isinstance(exc, DjangoValidationError):
        if not hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.messages)
        detail = {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
        return exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def json_exception_handler(exc, context):
    exc = _as_drf_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict) and "error" in detail:
            response.data = detail
        else:
            response.data = error_body(code, str(detail))
    return response


def api_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def api_server_error(request):
    return JsonResponse(
        error_body("server_error", "Internal error; it has been logged."), status=500
    )
