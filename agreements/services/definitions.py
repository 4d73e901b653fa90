"""Creating agreements, changing their state, resolving their scopes.

Everything is checked before anything is written (``AgreementError`` naming the field,
e.g. ``guarantees[0].query``); agreements of one request are stored in one transaction.
An agreement is created ``started`` when every guarantee's scope resolves with the
account's newest context values, else ``paused`` (its constraints stay as given until
then); :func:`agreements_resolve` re-resolves when a context value arrives or changes.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from agreements.engine import (
    AgreementError,
    check_parameters,
    guarantee_definition,
    parse_constraint,
    resolve_labels,
    resolved_constraint,
)
from agreements.models import Agreement, Guarantee, State, new_agreement_id
from agreements.selectors import newest_contexts
from agreements.services.prometheus import account_default_source, promql_problem, target_for

DEFAULT_LIFETIME = dt.timedelta(days=365)
DEFAULT_INTERVAL_SECONDS = 30
MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS = 5, 86400
MAX_GUARANTEES = 100
APPLICATION_MAX_LENGTH = 200


@dataclass
class AgreementDraft:
    """A checked agreement ready to store: the unsaved row and its guarantees."""

    agreement: Agreement
    guarantees: list[Guarantee] = field(default_factory=list)


def _application(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise AgreementError("name", "give the application id")
    if len(name) > APPLICATION_MAX_LENGTH or any(char in name for char in "/\\?#%\x00"):
        raise AgreementError("name", f"1-{APPLICATION_MAX_LENGTH} characters, without / \\ ? # %")
    return name.strip()


def _interval(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AgreementError("interval_seconds", "give a whole number of seconds")
    if not MIN_INTERVAL_SECONDS <= value <= MAX_INTERVAL_SECONDS:
        raise AgreementError(
            "interval_seconds", f"between {MIN_INTERVAL_SECONDS} and {MAX_INTERVAL_SECONDS}"
        )
    return value


def agreement_draft(
    *,
    account,
    name,
    guarantees: list,
    now: dt.datetime,
    x=None,
    y=None,
    z=None,
    interval_seconds=None,
    expires_at: dt.datetime | None = None,
    source=None,
    service=None,
    agent_id: str = "",
    check_promql: bool = True,
) -> AgreementDraft:
    """Check one agreement (nothing is written). ``guarantees``: [{"name", "query",
    "scope"}]. PromQL is checked by the agreement's Prometheus when it answers."""
    application = _application(name)
    parameters = check_parameters(
        2 if x is None else x, 2 if y is None else y, 5 if z is None else z
    )
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise AgreementError("expiration", "must be in the future")
    if not isinstance(guarantees, list) or not guarantees:
        raise AgreementError("guarantees", "give at least one guarantee")
    if len(guarantees) > MAX_GUARANTEES:
        raise AgreementError("guarantees", f"at most {MAX_GUARANTEES}")
    definitions = _definitions(guarantees)
    agreement = Agreement(
        account=account,
        agreement_id=new_agreement_id(application),
        name=application,
        created_at=now,
        expires_at=expires_at,
        interval_seconds=_interval(
            DEFAULT_INTERVAL_SECONDS if interval_seconds is None else interval_seconds
        ),
        x=parameters.x,
        y=parameters.y,
        z=parameters.z,
        agent_id=agent_id or "",
        source=source,
        service=service,
    )
    contexts = _contexts_for(account, definitions, agent_id)
    rows = []
    for position, definition in enumerate(definitions):
        constraint = resolved_constraint(definition, contexts)
        rows.append(
            Guarantee(
                account=account,
                position=position,
                name=definition.name,
                query=definition.query,
                constraint=constraint if constraint is not None else definition.given,
                scope=definition.scope,
                scope_template=definition.scope,
                resolved=constraint is not None,
            )
        )
    if check_promql:
        _check_promql(account, agreement, rows)
    started = all(row.resolved for row in rows)
    agreement.state = State.STARTED if started else State.PAUSED
    agreement.next_due_at = now if started else None
    return AgreementDraft(agreement, rows)


def _definitions(guarantees: list) -> list:
    definitions, names = [], set()
    for index, item in enumerate(guarantees):
        where = f"guarantees[{index}]"
        if not isinstance(item, dict):
            raise AgreementError(where, 'give an object {"name", "query", "scope"}')
        try:
            definition = guarantee_definition(
                item.get("name"), item.get("query"), item.get("scope")
            )
        except AgreementError as error:
            raise error.within(where) from None
        if definition.name in names:
            raise AgreementError(f"{where}.name", f"{definition.name!r} is used twice")
        names.add(definition.name)
        definitions.append(definition)
    return definitions


def _contexts_for(account, definitions, agent_id: str) -> dict[str, dict]:
    names = {d.parsed_scope.context for d in definitions if d.parsed_scope is not None}
    if not names:
        return {}
    return newest_contexts(account=account, names=names, agent_id=agent_id)


def _check_promql(account, agreement: Agreement, rows: list[Guarantee]) -> None:
    """Prometheus' own message on the query field when it refuses a term's PromQL (with
    the scope's labels left out: they only add matchers)."""
    target = target_for(agreement, account_default_source(account))
    if target is None:
        return
    for index, row in enumerate(rows):
        for term in parse_constraint(resolve_labels(row.query, {})):
            problem = promql_problem(target, term.promql)
            if problem is not None:
                raise AgreementError(
                    f"guarantees[{index}].query", f"Prometheus refused {term.promql!r}: {problem}"
                )


def agreements_store(*, drafts: list[AgreementDraft]) -> list[Agreement]:
    """Store checked agreements (all or none)."""
    with transaction.atomic():
        for draft in drafts:
            draft.agreement.save()
            for row in draft.guarantees:
                row.agreement = draft.agreement
            Guarantee.objects.bulk_create(draft.guarantees)
    return [draft.agreement for draft in drafts]


def agreement_create(*, account, now: dt.datetime | None = None, **data) -> Agreement:
    """Check and store one agreement (see :func:`agreement_draft` for ``data``)."""
    now = now or timezone.now()
    (agreement,) = agreements_store(drafts=[agreement_draft(account=account, now=now, **data)])
    return agreement


# --------------------------------------------------------------------------- states


def agreement_state_set(*, account, agreement: Agreement, state: str, now=None) -> Agreement:
    """A user's state change: ``stopped`` (never assessed) or ``started`` (assessed again;
    ``paused`` while a scope does not resolve). Counters never change; ``expired`` is
    final."""
    now = now or timezone.now()
    if state not in (State.STARTED, State.STOPPED):
        raise AgreementError("state", "give started or stopped")
    with transaction.atomic():
        agreement = Agreement.objects.for_account(account).select_for_update().get(pk=agreement.pk)
        if agreement.state == State.EXPIRED or agreement.expires_at <= now:
            _expire(agreement)
            raise AgreementError("state", "the agreement expired; its state is final")
        if state == State.STOPPED:
            agreement.state, agreement.next_due_at = State.STOPPED, None
            agreement.save(update_fields=["state", "next_due_at", "updated_at"])
        elif agreement.state != State.STARTED:
            agreement.state = State.PAUSED
            _resolve(agreement, now)
    return agreement


def _expire(agreement: Agreement) -> None:
    if agreement.state != State.EXPIRED:
        agreement.state, agreement.next_due_at = State.EXPIRED, None
        agreement.save(update_fields=["state", "next_due_at", "updated_at"])


def agreements_expire(*, now: dt.datetime) -> int:
    """Move every agreement whose expiration passed to ``expired`` (final)."""
    return (
        Agreement.objects.filter(expires_at__lte=now)
        .exclude(state=State.EXPIRED)
        .update(state=State.EXPIRED, next_due_at=None, updated_at=now)
    )


# --------------------------------------------------------------------------- scopes


def _resolve(agreement: Agreement, now: dt.datetime) -> bool:
    """Re-resolve the agreement's scoped guarantees with the newest contexts; a paused
    agreement whose scopes all resolve starts. Returns whether anything changed."""
    guarantees = list(agreement.guarantees.order_by("position", "pk"))
    definitions = [guarantee_definition(g.name, g.query, g.scope) for g in guarantees]
    contexts = _contexts_for(agreement.account, definitions, agreement.agent_id)
    changed = []
    for guarantee, definition in zip(guarantees, definitions, strict=True):
        constraint = resolved_constraint(definition, contexts)
        if constraint is not None and (constraint, True) != (
            guarantee.constraint,
            guarantee.resolved,
        ):
            guarantee.constraint, guarantee.resolved = constraint, True
            changed.append(guarantee)
    if changed:
        Guarantee.objects.bulk_update(changed, ["constraint", "resolved"])
    starts = agreement.state == State.PAUSED and all(g.resolved for g in guarantees)
    if starts:
        agreement.state, agreement.next_due_at = State.STARTED, now
        agreement.save(update_fields=["state", "next_due_at", "updated_at"])
    return bool(changed) or starts


def agreements_resolve(*, account, context_name: str, now: dt.datetime | None = None) -> int:
    """Re-resolve every live agreement of the account with a scope on ``context_name``;
    returns how many changed (constraints re-resolved or started)."""
    now = now or timezone.now()
    scoped = Guarantee.objects.for_account(account).filter(scope__startswith=f"{context_name}/")
    agreements = (
        Agreement.objects.for_account(account)
        .filter(pk__in=scoped.values("agreement_id"))
        .exclude(state=State.EXPIRED)
        .select_related("account")
        .order_by("pk")
    )
    changed = 0
    with transaction.atomic():
        for agreement in agreements.select_for_update(of=("self",)):
            changed += _resolve(agreement, now)
    return changed
