"""Assessing due agreements (AGREEMENTS.md sections 3-6), one account at a time.

A unit claims a batch of the account's due ``started`` agreements by moving their
``next_due_at`` to their next slot (``SELECT ... FOR UPDATE SKIP LOCKED``, so two units
never assess the same round), runs each guarantee's terms as instant queries (each
distinct query once, concurrently), judges them with the engine and writes results,
counters, levels, violations, the level timeline, the linked service's status events and
the notifications in one transaction. A query that could not run makes that round
``unknown`` (counted in ``unknown_executions`` too), never a violation. An agreement whose
expiration passed is moved to ``expired`` instead of being assessed.
"""

import datetime as dt
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agreements.engine import (
    AgreementError,
    Parameters,
    QueryFailure,
    assess_round,
    judge_guarantee,
    parse_constraint,
)
from agreements.models import Agreement, Guarantee, LevelChange, State, Violation
from agreements.payloads import value_entry, violation_entry
from agreements.services.events import RoundEvents
from agreements.services.prometheus import (
    NO_PROMETHEUS,
    account_default_source,
    queries_run,
    target_for,
)

AGREEMENT_FIELDS = [
    "level", "total_executions", "total_violations", "consecutive_met", "consecutive_broken",
    "recent_outcomes", "first_execution", "last_execution", "last_outcome",
    "unknown_executions", "last_unknown_reason",
]  # fmt: skip
GUARANTEE_FIELDS = [
    "level", "total_executions", "total_violations", "consecutive_met", "consecutive_broken",
    "recent_outcomes", "first_execution", "last_execution", "last_outcome", "last_values",
    "last_violation", "last_error",
]  # fmt: skip


@dataclass
class AssessStats:
    """What a unit did: agreements assessed, rounds by outcome, distinct queries, seconds
    in all and seconds waiting for Prometheus; ``late_seconds``: per claimed round, from its
    due time to its results being stored."""

    assessed: int = 0
    expired: int = 0
    met: int = 0
    broken: int = 0
    unknown: int = 0
    queries: int = 0
    seconds: float = 0.0
    prometheus_seconds: float = 0.0
    late_seconds: list = field(default_factory=list)

    def add(self, other: "AssessStats") -> None:
        for name in ("assessed", "expired", "met", "broken", "unknown", "queries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.prometheus_seconds += other.prometheus_seconds
        self.late_seconds += other.late_seconds

    def as_dict(self) -> dict:
        return {
            "assessed": self.assessed,
            "expired": self.expired,
            "met": self.met,
            "broken": self.broken,
            "unknown": self.unknown,
            "queries": self.queries,
            "seconds": round(self.seconds, 3),
            "prometheus_seconds": round(self.prometheus_seconds, 3),
        }


def next_due(previous: dt.datetime, interval_seconds: int, now: dt.datetime) -> dt.datetime:
    """The first slot after ``now`` on the agreement's grid (missed slots are skipped)."""
    interval = dt.timedelta(seconds=interval_seconds)
    behind = max(now - previous, dt.timedelta(0))
    return previous + interval * (behind // interval + 1)


def _claim(account, due_by, now: dt.datetime, limit: int) -> list[tuple[int, dt.datetime]]:
    with transaction.atomic():
        rows = list(
            Agreement.objects.for_account(account)
            .filter(state=State.STARTED, next_due_at__lte=due_by)
            .select_for_update(skip_locked=True)
            .order_by("next_due_at", "pk")
            .only("pk", "next_due_at", "interval_seconds")[:limit]
        )
        due = [(row.pk, row.next_due_at) for row in rows]
        for row in rows:
            row.next_due_at = next_due(row.next_due_at, row.interval_seconds, now)
        _update_rows(Agreement, rows, ["next_due_at"])
    return due


def agreements_assess_due(
    *, account, now: dt.datetime | None = None, batch_size: int | None = None
) -> AssessStats:
    """Assess every due agreement of the account, batch by batch, at the instant each batch
    is claimed (``now`` fixes it, for tests)."""
    limit = batch_size or settings.AGREEMENTS_BATCH_SIZE
    stats = AssessStats()
    default_source = account_default_source(account)
    # Only rounds due when the unit starts: a unit slower than an interval ends anyway and
    # the next dispatch picks up what became due meanwhile (the lateness shows it).
    due_by = now or timezone.now()
    while True:
        at = now or timezone.now()
        due = _claim(account, due_by, at, limit)
        if not due:
            return stats
        batch = _assess_batch(account, [pk for pk, _ in due], at, default_source)
        stored = timezone.now()
        batch.late_seconds = [(stored - due_at).total_seconds() for _, due_at in due]
        stats.add(batch)
        if now is not None and len(due) < limit:
            return stats


def agreements_assess(*, account, agreements: list[Agreement], now=None) -> AssessStats:
    """Assess the given agreements of the account at once (whether due or not): the
    evaluation path of tests and of "assess now"."""
    at = now or timezone.now()
    ids = [agreement.pk for agreement in agreements if agreement.account_id == account.pk]
    return _assess_batch(account, ids, at, account_default_source(account))


@dataclass
class _Plan:
    """An agreement to assess: its guarantees with their terms, and where to ask."""

    agreement: Agreement
    guarantees: list[Guarantee]
    terms: dict[int, list]
    target_key: str | None


def _plans(account, ids, at, default_source) -> tuple[list[_Plan], dict, int]:
    agreements = list(
        Agreement.objects.for_account(account)
        .filter(pk__in=ids, state=State.STARTED)
        .select_related("source", "service", "account")
        .prefetch_related("guarantees")
        .order_by("pk")
    )
    expired = [a for a in agreements if a.expires_at <= at]
    if expired:
        Agreement.objects.filter(pk__in=[a.pk for a in expired]).update(
            state=State.EXPIRED, next_due_at=None, updated_at=at
        )
    targets, plans, parsed = {}, [], {}
    for agreement in agreements:
        if agreement.expires_at <= at:
            continue
        target = target_for(agreement, default_source)
        if target is not None:
            targets.setdefault(target.key, target)
        guarantees = list(agreement.guarantees.all())
        terms = {}
        for guarantee in guarantees:
            if guarantee.constraint not in parsed:
                parsed[guarantee.constraint] = _terms(guarantee)
            terms[guarantee.pk] = parsed[guarantee.constraint]
        plans.append(_Plan(agreement, guarantees, terms, target.key if target else None))
    return plans, targets, len(expired)


def _terms(guarantee: Guarantee) -> list:
    try:
        return parse_constraint(guarantee.constraint)
    except AgreementError:
        return []  # an unresolved or damaged constraint: judged unknown (no term)


def _assess_batch(account, ids, at, default_source) -> AssessStats:
    started = time.perf_counter()
    plans, targets, expired = _plans(account, ids, at, default_source)
    jobs = {
        (plan.target_key, term.promql)
        for plan in plans
        if plan.target_key is not None
        for terms in plan.terms.values()
        for term in terms
    }
    run = queries_run(jobs, targets, at)
    stats = AssessStats(expired=expired, queries=len(jobs), prometheus_seconds=run.seconds)
    with transaction.atomic():
        live = set(
            Agreement.objects.select_for_update()
            .filter(pk__in=[plan.agreement.pk for plan in plans], state=State.STARTED)
            .values_list("pk", flat=True)
        )
        plans = [plan for plan in plans if plan.agreement.pk in live]
        events = RoundEvents(account=account, at=at)
        violations, changes = [], []
        for plan in plans:
            outcome = _apply(plan, run.answers, at, violations, changes, events)
            setattr(stats, outcome, getattr(stats, outcome) + 1)
        _store(plans, violations, changes)
        events.emit(violations)
    stats.assessed = len(plans)
    stats.seconds = time.perf_counter() - started
    return stats


def _answers_for(plan: _Plan, answers: dict) -> dict:
    if plan.target_key is None:
        failure = QueryFailure(NO_PROMETHEUS)
        return {term.promql: failure for terms in plan.terms.values() for term in terms}
    return {
        term.promql: answers.get((plan.target_key, term.promql))
        for terms in plan.terms.values()
        for term in terms
    }


def _apply(plan: _Plan, answers, at, violations: list, changes: list, events) -> str:
    agreement = plan.agreement
    results = _answers_for(plan, answers)
    judged = [
        (guarantee, judge_guarantee(plan.terms[guarantee.pk], results))
        for guarantee in plan.guarantees
    ]
    round_ = assess_round(
        parameters=Parameters(agreement.x, agreement.y, agreement.z),
        state=agreement.level_state(),
        guarantees=[(g.name, g.level_state(), judgement) for g, judgement in judged],
    )
    for (guarantee, judgement), part in zip(judged, round_.guarantees, strict=True):
        _apply_guarantee(agreement, guarantee, judgement, part.state, at, violations)
    agreement.set_level_state(round_.state)
    agreement.first_execution = agreement.first_execution or at
    agreement.last_execution, agreement.last_outcome = at, round_.outcome
    if round_.outcome == "unknown":
        agreement.unknown_executions += 1
        reasons = "; ".join(j.reason for _, j in judged if j.reason) or "no guarantee judged"
        agreement.last_unknown_reason = reasons[:1000]
    else:
        agreement.last_unknown_reason = ""
    if round_.level_changed:
        changes.append(
            LevelChange(
                account=agreement.account,
                agreement=agreement,
                at=at,
                previous_level=round_.previous_level,
                level=round_.state.level,
            )
        )
    events.add(agreement, round_)
    return round_.outcome


def _apply_guarantee(agreement, guarantee, judgement, state, at, violations: list) -> None:
    guarantee.set_level_state(state)
    guarantee.first_execution = guarantee.first_execution or at
    guarantee.last_execution, guarantee.last_outcome = at, judgement.outcome
    guarantee.last_error = judgement.reason[:1000]
    if judgement.values:
        guarantee.last_values = {
            value.key: value_entry(value.key, value.value, at) for value in judgement.values
        }
    if judgement.outcome == "broken":
        values = [value_entry(value.key, value.value, at) for value in judgement.failing]
        violations.append(
            Violation(
                account=agreement.account,
                agreement=agreement,
                guarantee=guarantee,
                at=at,
                constraint=guarantee.constraint,
                values=values,
            )
        )


def _store(plans: list[_Plan], violations: list[Violation], changes: list[LevelChange]):
    Violation.objects.bulk_create(violations)
    for violation in violations:
        violation.guarantee.last_violation = violation_entry(
            agreement=violation.agreement,
            guarantee_name=violation.guarantee.name,
            at=violation.at,
            constraint=violation.constraint,
            values=violation.values,
            id_=violation.pk or "",
        )
    LevelChange.objects.bulk_create(changes)
    _update_rows(Agreement, [plan.agreement for plan in plans], AGREEMENT_FIELDS)
    _update_rows(
        Guarantee, [guarantee for plan in plans for guarantee in plan.guarantees], GUARANTEE_FIELDS
    )


def _update_rows(model, rows: list, names: list[str]) -> None:
    """One ``UPDATE ... WHERE id = %s`` per row, sent with ``executemany`` (pipelined on
    PostgreSQL): Django's ``bulk_update`` builds a CASE expression per field and row, whose
    compilation cost more than the writes at 10,000 agreements per interval."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", params)  # noqa: S608
