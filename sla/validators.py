"""Validators for SLA models; engine-shaped JSON is validated by the engine's own parsers."""

import re

from django.core.exceptions import ValidationError

SERVICE_PATH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")
LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,62}$")


def validate_service_path(value: str) -> None:
    if not isinstance(value, str) or not SERVICE_PATH_RE.fullmatch(value) or len(value) > 300:
        raise ValidationError(
            f"{value!r} is not a service path: use segments of letters, digits, '.', '_' or '-'"
            " separated by '/', e.g. payment/api."
        )


def validate_labels(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Labels must be an object of string keys and string values.")
    for key, label in value.items():
        if not isinstance(key, str) or not LABEL_KEY_RE.match(key):
            raise ValidationError(f"Label key {key!r} is invalid (letters, digits, ._/-).")
        if not isinstance(label, str) or len(label) > 200 or "\x00" in label:
            raise ValidationError(f"Label {key!r} must be a string of at most 200 characters.")
    if len(value) > 50:
        raise ValidationError("At most 50 labels.")


def validate_engine_json(parser, value, field: str) -> None:
    """Run one of the engine's parsers and turn its SpecError into a ValidationError."""
    from sla.engine import SpecError

    try:
        parser(value, field)
    except SpecError as error:
        raise ValidationError(str(error)) from None
