"""Reading the audit log, and what an audited object looked like at an instant."""

import datetime as dt

from audit.models import AuditEntry
from audit.recorder import record_state
from sla.models import Requirement, SLADefinition


def audit_entries(*, account, model=None, object_id=None, since=None, until=None):
    """The account's entries, newest first, optionally for one model/object and a span
    (`since` inclusive, `until` exclusive)."""
    entries = AuditEntry.objects.for_account(account).select_related("user", "token")
    if model:
        entries = entries.filter(model=model)
    if object_id is not None:
        entries = entries.filter(object_id=object_id)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-at", "-pk")


def _version(record) -> dict:
    return {
        "version": record.history_id,
        "changed_at": record.history_date,
        "fields": record_state(record),
    }


def _latest_versions(history, *, account, at: dt.datetime, **filters) -> dict[int, object]:
    """The last history row at or before `at` per object (deleted objects included)."""
    rows = history.filter(account_id=account.pk, history_date__lte=at, **filters).order_by(
        "history_date", "history_id"
    )
    return {row.id: row for row in rows}


def sla_definition_as_of(*, account, sla_id: int, at: dt.datetime) -> dict | None:
    """An SLA definition with its requirements as they were in force at `at` (read from
    the models' history tables): what a period result computed at `at` was judged
    against. None if the SLA did not exist then (or has no version that old)."""
    slas = _latest_versions(SLADefinition.history, account=account, at=at, id=sla_id)
    sla = slas.get(sla_id)
    if sla is None or sla.history_type == "-":
        return None
    # Requirements that ever belonged to the SLA; their last version says if they still did.
    ever = set(
        Requirement.history.filter(account_id=account.pk, sla_id=sla_id).values_list(
            "id", flat=True
        )
    )
    latest = _latest_versions(Requirement.history, account=account, at=at, id__in=ever)
    requirements = [
        _version(row)
        for _, row in sorted(latest.items())
        if row.history_type != "-" and row.sla_id == sla_id
    ]
    return {"at": at, "sla": _version(sla), "requirements": requirements}


def sla_has_history(*, account, sla_id: int) -> bool:
    """The SLA is (or was) the account's: it exists now or has a version in its history."""
    return (
        SLADefinition.objects.for_account(account).filter(pk=sla_id).exists()
        or SLADefinition.history.filter(account_id=account.pk, id=sla_id).exists()
    )
