"""Turns every new history version (django-simple-history) into an AuditEntry.

Runs in the same transaction as the change itself: a rolled-back change leaves no entry.
"""

import datetime as dt
import decimal
import hashlib
import uuid

from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record

from audit.models import Action, AuditEntry

ACTIONS = {"+": Action.CREATED, "~": Action.CHANGED, "-": Action.DELETED}
# Stored as a digest: the log shows that a secret changed, never the secret (or its hash).
SECRET_FIELDS = {"hashed_secret", "password_hash", "secret", "password"}


def _json(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, bytes | memoryview):  # a logo: its digest, not the image
        return "[bytes sha256:" + hashlib.sha256(bytes(value)).hexdigest()[:12] + "]"
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    return str(value)


def _redacted(value) -> str:
    if not value:
        return ""
    return "[secret sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12] + "]"


def record_state(record) -> dict:
    """The audited fields of one history version, JSON-ready (foreign keys as ids)."""
    state = {}
    for field in record.tracked_fields:
        value = getattr(record, field.attname)
        state[field.attname] = _redacted(value) if field.name in SECRET_FIELDS else _json(value)
    return state


def _actor(history_instance, token) -> str:
    if history_instance.history_user_id is not None:
        user = history_instance.history_user
        return f"user {user.get_username()}" if user is not None else ""
    if token is not None:
        return f"token {token.name} ({token.prefix})"
    return "system"


def _request_token():
    from accounts.models import ApiToken

    request = getattr(HistoricalRecords.context, "request", None)
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


@receiver(post_create_historical_record)
def history_to_audit_entry(sender, instance, history_instance, **kwargs):
    action = ACTIONS[history_instance.history_type]
    current = record_state(history_instance)
    previous = history_instance.prev_record
    before = record_state(previous) if previous is not None else {}
    if action == Action.DELETED:
        before, after = current, {}
    else:
        after = current
    changed = sorted(
        key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
    )
    if action == Action.CHANGED and previous is not None and not changed:
        return  # a save that changed nothing audited
    token = _request_token()
    meta = instance._meta
    AuditEntry.objects.create(
        account_id=instance.account_id,
        at=history_instance.history_date,
        model=f"{meta.app_label}.{meta.model_name}",
        object_id=getattr(history_instance, meta.pk.attname),
        object_repr=str(instance)[:200],
        action=action,
        version=history_instance.history_id,
        user_id=history_instance.history_user_id,
        token=token,
        actor=_actor(history_instance, token),
        before=before,
        after=after,
        changed=changed,
    )
