"""Context values (``PUT /api/v1/contexts/{agent_id}/{context}``): store, then re-resolve
the scopes of every agreement of the account that uses the context."""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from agreements.engine import AgreementError, validate_context_value
from agreements.models import Context
from agreements.services.definitions import agreements_resolve

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}\Z")
AGENT_RE = re.compile(r"[A-Za-z0-9_.:-]{1,200}\Z")


def context_store(
    *, account, agent_id: str, name: str, value, now: dt.datetime | None = None
) -> tuple[Context, bool, int]:
    """Store the agent's value of a context (a JSON object of strings); returns the row,
    whether it changed, and how many agreements changed with it."""
    now = now or timezone.now()
    if not AGENT_RE.match(agent_id or ""):
        raise AgreementError("agent_id", "1-200 letters, digits, '_', '.', ':' or '-'")
    if not NAME_RE.match(name or ""):
        raise AgreementError("context", "a label-name-like word: letters, digits and '_'")
    try:
        values = validate_context_value(value)
    except AgreementError as error:
        raise error.within("value") from None
    with transaction.atomic():
        row, created = Context.objects.select_for_update().get_or_create(
            account=account,
            agent_id=agent_id,
            name=name,
            defaults={"values": values, "updated_at": now},
        )
        changed = created or row.values != values
        if not created:
            row.values, row.updated_at = values, now
            row.save(update_fields=["values", "updated_at"])
        agreements = agreements_resolve(account=account, context_name=name, now=now)
    return row, changed, agreements
