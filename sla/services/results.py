"""Materialised period results: computed by the engine once, stored, recomputed when stale.

A stored row is *fresh* when it is complete, not marked stale, computed from the SLA's
current revision, and ends no later than the pending `results_from` of its subject's marks
(see sla.services.results_marks). Everything else (missing rows, the current period, stale
rows) is recomputed by `period_results_ensure`, which evaluates one contiguous range per
subject so each service's events are read once.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from sla.engine import PeriodResult as EnginePeriodResult
from sla.engine import evaluate, inputs_start, period_bounds
from sla.models import PeriodResult, RollupMark, Service, ServiceGroup, SLADefinition
from sla.selectors.definitions import service_periods, services_periods, sla_spec
from sla.selectors.event_horizon import events_pruned_before, period_frozen
from sla.selectors.groups import group_engine_inputs
from sla.selectors.inputs import downtime_intervals, service_events
from sla.services import seams
from sla.services.marks import marks_upsert
from sla.services.results_marks import (
    ALL_HISTORY,
    SubjectMarks,
    groups_results_from,
    results_lock,
    results_marks_apply,
    services_marks,
    subject_marks,
)
from sla.signals import sla_state_changed
from sla.sql import bulk_cursor, is_postgres, prepared
from slaportal.gcpause import collector_paused

STALE_UPDATE_CHUNK = 500
# Evaluations of one subject that an ingest overtook before a stored row is written stale.
STORE_ATTEMPTS = 3


@dataclass(frozen=True)
class Subject:
    """What an SLA is evaluated for: a service, or an SLA group on its derived timeline."""

    service: Service | None = None
    group: ServiceGroup | None = None

    def __post_init__(self):
        if (self.service is None) == (self.group is None):
            raise ValueError("a subject is a service or a group")

    def filter_kwargs(self) -> dict:
        return {"service": self.service} if self.service else {"group": self.group}

    def periods(self, *, account) -> dict:
        """The service's service and notification periods as ``evaluate`` keywords."""
        return service_periods(account=account, service=self.service)

    def engine_inputs(self, *, account, start: dt.datetime, end: dt.datetime):
        if self.group is not None:
            return group_engine_inputs(account=account, group=self.group, start=start, end=end)
        events = service_events(account=account, service=self.service, start=start, end=end)
        downtimes = downtime_intervals(account=account, service=self.service, start=start, end=end)
        return events, downtimes


def _is_fresh(row: PeriodResult, sla: SLADefinition, marks: SubjectMarks) -> bool:
    return (
        row.complete
        and not row.stale
        and row.sla_revision == sla.revision
        and marks.fresh(row.period_end)
    )


def _periods_to_compute(sla, periods, stored: dict, now, marks: SubjectMarks) -> list[tuple]:
    return [
        (start, end)
        for start, end in periods
        if start < now and not (start in stored and _is_fresh(stored[start], sla, marks))
    ]


def _contiguous_runs(periods: list[tuple]) -> list[list[tuple]]:
    """Split sorted periods into runs without gaps, so a late event in an old period does
    not make us re-evaluate everything between it and now."""
    runs: list[list[tuple]] = []
    for period in sorted(periods):
        if runs and runs[-1][-1][1] == period[0]:
            runs[-1].append(period)
        else:
            runs.append([period])
    return runs


def _evaluate(account, sla, subject: Subject, periods, now) -> list[EnginePeriodResult]:
    spec = sla_spec(sla)
    results = []
    service_time = subject.periods(account=account)
    for run in _contiguous_runs(periods):
        range_from, range_to = run[0][0], min(run[-1][1], now)
        # start_period outages are followed up to now, so events run to now, not range_to.
        start = inputs_start(spec, range_from)
        events, downtimes = subject.engine_inputs(account=account, start=start, end=now)
        wanted = {start for start, _ in run}
        evaluated = evaluate(spec, events, downtimes, range_from, range_to, now, **service_time)
        results.extend(result for result in evaluated if result.start in wanted)
    return results


def _outage_still_running(result: EnginePeriodResult) -> bool:
    """A completed period whose last outage runs on through `now` (outages counted whole in
    their start period): its figures change until that outage ends, so it stays stale and is
    recomputed by each refresh."""
    return result.complete and any(requirement.still_running for requirement in result.requirements)


def _row_for(account, sla, subject: Subject, result: EnginePeriodResult) -> PeriodResult:
    """The row of one result (a completed period whose last outage still runs is stored
    stale: each refresh redoes it)."""
    return PeriodResult(
        account=account,
        sla=sla,
        period_start=result.start,
        period_end=result.end,
        complete=result.complete,
        state=result.state,
        result=result.to_json(),
        sla_revision=sla.revision,
        stale=_outage_still_running(result),
        **subject.filter_kwargs(),
    )


def _state_change(previous_state: str | None, row: PeriodResult) -> bool:
    """Worth announcing: a stored state that changed, or the first result of the running
    period (a period may start bad). A past period computed for the first time (history
    being filled in on a first read) is not news."""
    if previous_state is None:
        return not row.complete
    return previous_state != row.state


def _store(account, sla, subject, results, stored: dict) -> list[tuple[PeriodResult, str]]:
    """Upsert rows; return (row, previous state or None) for the state changes to announce."""
    changed, new_rows, updated_rows = [], [], []
    for result in results:
        row = _row_for(account, sla, subject, result)
        previous = stored.get(result.start)
        if previous is None:
            new_rows.append(row)
            if _state_change(None, row):
                changed.append((row, None))
            continue
        row.pk = previous.pk
        updated_rows.append(row)
        if _state_change(previous.state, row):
            changed.append((row, previous.state))
    fields = ["period_end", "complete", "state", "result", "sla_revision", "stale"]
    PeriodResult.objects.bulk_update(updated_rows, fields)
    PeriodResult.objects.bulk_create(new_rows)
    return changed


def _stored_rows(account, sla, subject, periods) -> dict:
    starts = [start for start, _ in periods]
    rows = PeriodResult.objects.for_account(account).filter(
        sla=sla, period_start__in=starts, **subject.filter_kwargs()
    )
    return {row.period_start: row for row in rows}


def _frozen_starts(sla, periods, pruned_before) -> set:
    """Starts of the periods whose evaluation would read pruned events (event_horizon)."""
    if pruned_before is None:
        return set()
    spec = sla_spec(sla)
    return {start for start, _ in periods if period_frozen(spec, start, pruned_before)}


def _answerable(rows: dict, periods, frozen: set) -> dict:
    """The rows that answer for their period: a frozen period's row only if it is the same
    period (a calendar change keeps frozen rows of the old calendar); a frozen period
    without such a row has no data."""
    ends = dict(periods)
    return {
        start: row
        for start, row in rows.items()
        if start not in frozen or row.period_end == ends.get(start)
    }


class _Overtaken(Exception):
    """A change committed after the inputs were read: roll the store back and evaluate
    again."""


def _store_checked(
    account, sla, subject, results, stored: dict, seqs: tuple, last: bool
) -> list[tuple[PeriodResult, str]]:
    """Store under the results lock, then compare the subject's mark sequences with those
    read before the inputs (see sla.services.results_marks): a change committed meanwhile
    may be missing. Then roll back and evaluate again, or on the `last` attempt keep the
    completed rows stale (the next refresh redoes them)."""
    with transaction.atomic():
        results_lock(account)  # before any row lock of this transaction
        # The retention job records its horizon before it removes events: a period
        # frozen meanwhile may have been read half pruned and is not stored.
        evaluated = [(result.start, result.end) for result in results]
        now_frozen = _frozen_starts(sla, evaluated, events_pruned_before(account=account))
        results = [result for result in results if result.start not in now_frozen]
        changed = _store(account, sla, subject, results, stored)
        if subject_marks(account, subject).seqs != seqs:
            if not last:
                raise _Overtaken()
            starts = [result.start for result in results if result.complete]
            PeriodResult.objects.for_account(account).filter(
                sla=sla, period_start__in=starts, **subject.filter_kwargs()
            ).update(stale=True)
        seams.reached("results:stored")
    return changed


def period_results_ensure(
    *, account, sla: SLADefinition, subject: Subject, periods: list[tuple], now: dt.datetime
) -> dict:
    """Make sure every given period has a fresh stored row; return rows by period start.
    Frozen periods (their events pruned) are never computed: their stored row, stale or of
    an older revision, is the answer, and without one they are left out (no data)."""
    stored = _stored_rows(account, sla, subject, periods)
    marks = subject_marks(account, subject)  # after the rows, before the inputs
    todo = _periods_to_compute(sla, periods, stored, now, marks)
    if not todo:
        return stored
    frozen = _frozen_starts(sla, periods, events_pruned_before(account=account))
    todo = [period for period in todo if period[0] not in frozen]
    changed = []
    for attempt in range(1, STORE_ATTEMPTS + 1):
        if not todo:
            break
        if attempt > 1:
            marks = subject_marks(account, subject)
        results = _evaluate(account, sla, subject, todo, now)
        seams.reached("results:store")
        try:
            last = attempt == STORE_ATTEMPTS
            changed = _store_checked(account, sla, subject, results, stored, marks.seqs, last)
            break
        except _Overtaken:
            continue
        except IntegrityError:
            # A concurrent unit stored the same periods first; its rows are as good as ours.
            return _answerable(_stored_rows(account, sla, subject, periods), periods, frozen)
    for row, previous_state in changed:
        _announce_change(account, sla, subject, row, previous_state)
    return _answerable(_stored_rows(account, sla, subject, periods), periods, frozen)


def _announce_change(account, sla, subject: Subject, row: PeriodResult, previous_state: str):
    sla_state_changed.send(
        sender=PeriodResult,
        account=account,
        sla=sla,
        service=subject.filter_kwargs().get("service"),
        group=subject.filter_kwargs().get("group"),
        period_start=row.period_start,
        old_state=previous_state,
        new_state=row.state,
    )


def period_results_refresh_current(
    *, account, sla: SLADefinition, subject: Subject, now: dt.datetime
) -> dict:
    """Refresh the current period and every stale or outdated stored period of a subject
    (completed rows ending after a pending `results_from` included)."""
    results_from = subject_marks(account, subject).results_from
    pending = Q() if results_from is None else Q(complete=True, period_end__gt=results_from)
    outdated = (
        PeriodResult.objects.for_account(account)
        .filter(sla=sla, **subject.filter_kwargs())
        .filter(Q(stale=True) | Q(complete=False) | ~Q(sla_revision=sla.revision) | pending)
        .filter(_not_frozen(account))
        .values_list("period_start", "period_end")
    )
    periods = set(outdated)
    periods.add(period_bounds(sla.period, sla.timezone, now))
    return period_results_ensure(
        account=account, sla=sla, subject=subject, periods=sorted(periods), now=now
    )


# --------------------------------------------------------------------------- staleness


_PG_MARK_STALE = """
WITH RECURSIVE c AS (
    SELECT * FROM unnest(%b::bigint[], %b::timestamptz[]) AS c(service_id, since)
), services AS (
    UPDATE {result} AS r SET stale = true FROM c
    WHERE r.service_id = c.service_id AND r.period_end > c.since
      AND r.account_id = %s AND NOT r.stale AND r.complete
    RETURNING 1
), member_groups AS (
    SELECT s.group_id, min(c.since) AS since FROM {service} AS s JOIN c ON s.id = c.service_id
    WHERE s.account_id = %s AND s.group_id IS NOT NULL GROUP BY s.group_id
), tree (group_id, since, depth) AS (
    -- every group above a member's group (BI trees are at most 5 levels deep)
    SELECT group_id, since, 1 FROM member_groups
    UNION ALL
    SELECT g.parent_id, tree.since, tree.depth + 1
    FROM tree JOIN {group} AS g ON g.id = tree.group_id
    WHERE g.parent_id IS NOT NULL AND tree.depth < 6
), tree_groups AS (
    SELECT group_id, min(since) AS since FROM tree GROUP BY group_id
), groups AS (
    UPDATE {result} AS r SET stale = true FROM tree_groups AS mg
    WHERE r.group_id = mg.group_id AND r.period_end > mg.since
      AND r.account_id = %s AND NOT r.stale AND r.complete
    RETURNING 1
)
SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM groups)
""".replace("{result}", PeriodResult._meta.db_table).replace("{service}", Service._meta.db_table)
_PG_MARK_STALE = _PG_MARK_STALE.replace("{group}", ServiceGroup._meta.db_table)


def period_results_mark_stale(*, account, changes: dict) -> int:
    """History of services changed from the given instants on: their stored results (and
    those of their groups, from the earliest change of any member) for ended periods ending
    after that instant are stale.

    Runs inside every ingest write that goes the general way (ingest_pg marks the same in
    its own statement) and after downtime changes, so its cost must not follow the number
    of services: on PostgreSQL one statement (each service's rows by the (service,
    period_end) index from its own instant, each group's from its earliest member change);
    elsewhere, per 500 services, one read of the candidate rows and one UPDATE by key, plus
    one per group. The rows of the current period are recomputed by the periodic refresh
    anyway and are not touched.
    """
    if not changes:
        return 0
    if is_postgres():
        with bulk_cursor() as cursor:
            cursor.execute(
                _PG_MARK_STALE,
                [list(changes), list(changes.values()), account.pk, account.pk, account.pk],
                prepare=prepared(),
            )
            return cursor.fetchone()[0]
    scoped = PeriodResult.objects.for_account(account).filter(stale=False, complete=True)
    items = list(changes.items())
    marked = 0
    for offset in range(0, len(items), STALE_UPDATE_CHUNK):
        chunk = dict(items[offset : offset + STALE_UPDATE_CHUNK])
        candidates = scoped.filter(
            service_id__in=list(chunk), period_end__gt=min(chunk.values())
        ).values_list("pk", "service_id", "period_end")
        stale = [pk for pk, service_id, end in candidates if end > chunk[service_id]]
        if stale:
            marked += scoped.filter(pk__in=stale).update(stale=True)
    for group_id, since in _groups_changed_since(account, changes).items():
        marked += scoped.filter(group_id=group_id, period_end__gt=since).update(stale=True)
    return marked


def _groups_changed_since(account, changes: dict) -> dict[int, dt.datetime]:
    """Per group of the changed services, and every group above it, the earliest change of
    any of its (nested) members."""
    from sla.selectors.groups import ancestors, group_parents

    since: dict[int, dt.datetime] = {}
    members = Service.objects.for_account(account).filter(pk__in=list(changes))
    parents = None
    for service_id, group_id in members.filter(group__isnull=False).values_list("pk", "group_id"):
        parents = parents if parents is not None else group_parents(account=account)
        for tree_group in ancestors([group_id], parents):
            if tree_group not in since or changes[service_id] < since[tree_group]:
                since[tree_group] = changes[service_id]
    return since


def period_results_mark_services_stale(*, account, service_ids) -> int:
    """Every stored result of these services is stale (the time they measure changed)."""
    ids = sorted(set(service_ids))
    if not ids:
        return 0
    # As for groups below: a row being inserted now escapes the UPDATE, the marks tell.
    everything = (None, None, None, ALL_HISTORY)
    marks_upsert(account=account, subject="service", marks=dict.fromkeys(ids, everything))
    scoped = PeriodResult.objects.for_account(account).filter(service_id__in=ids, stale=False)
    return scoped.update(stale=True)


def period_results_mark_group_stale(*, account, group_ids) -> int:
    """Every stored result of these groups, and of every group above them, is stale
    (membership, aggregation or tree changed)."""
    from sla.selectors.groups import group_and_ancestor_ids

    ids = group_and_ancestor_ids(account=account, group_ids=group_ids)
    if not ids:
        return 0
    # Rows a concurrent writer is inserting escape the UPDATE: readers and the refresh
    # learn it from the marks (see sla.services.results_marks).
    marks = dict.fromkeys(ids, (None, None, None, ALL_HISTORY))
    marks_upsert(account=account, subject="group", marks=marks)
    scoped = PeriodResult.objects.for_account(account).filter(group_id__in=ids, stale=False)
    return scoped.update(stale=True)


def _store_many(
    account, sla, results: list[tuple[Service, EnginePeriodResult]], seqs: dict[int, int]
) -> None:
    """Replace many (service, period) rows: read the old states (not the old JSON), delete,
    insert. Two statements per batch instead of a per-row UPDATE. `seqs`: the services'
    mark sequences read before their inputs, checked after the write under the results
    lock; the completed rows of a service whose sequence moved since are kept stale (see
    sla.services.results_marks)."""
    if not results:
        return
    seams.reached("results:bulk_store")
    existing = PeriodResult.objects.for_account(account).filter(
        sla=sla,
        service__in=[service.pk for service, _ in results],
        period_start__in={result.start for _, result in results},
    )
    previous = {
        (service_id, start): (pk, state)
        for pk, service_id, start, state in existing.values_list(
            "pk", "service_id", "period_start", "state"
        )
    }
    rows = [_row_for(account, sla, Subject(service), result) for service, result in results]
    changed = []
    for (service, _), row in zip(results, rows, strict=True):
        previous_state = previous.get((service.pk, row.period_start), (None, None))[1]
        if _state_change(previous_state, row):
            changed.append((service, row, previous_state))
    try:
        with transaction.atomic():
            results_lock(account)  # before any row lock of this transaction
            PeriodResult.objects.filter(pk__in=[pk for pk, _ in previous.values()]).delete()
            PeriodResult.objects.bulk_create(rows, batch_size=1000)
            _keep_overtaken_stale(account, sla, results, seqs)
            seams.reached("results:bulk_stored")
    except IntegrityError:
        return  # a concurrent unit stored the same periods from the same data first
    for service, row, previous_state in changed:
        _announce_change(account, sla, Subject(service), row, previous_state)


def _keep_overtaken_stale(account, sla, results, seqs: dict[int, int]) -> None:
    """The rows just written of services whose mark moved since `seqs` were read: stale."""
    now_marks = services_marks(account, {service.pk for service, _ in results})
    moved = {
        service.pk
        for service, _ in results
        if now_marks.get(service.pk, (None,))[0] != seqs.get(service.pk)
    }
    if moved:
        starts = {result.start for _, result in results if result.complete}
        PeriodResult.objects.for_account(account).filter(
            sla=sla, service_id__in=moved, period_start__in=starts, complete=True
        ).update(stale=True)


def period_results_compute_bulk(
    *, account, sla: SLADefinition, services: list[Service], periods: list[tuple], now, store=True
) -> int:
    """Evaluate contiguous `periods` for many services, streaming one service at a time;
    store the rows when `store`. Returns the number of period results computed."""
    from sla.selectors.bulk import services_inputs

    spec = sla_spec(sla)
    range_from, range_to = periods[0][0], min(periods[-1][1], now)
    computed, batch = 0, []
    start = inputs_start(spec, range_from)
    marks = services_marks(account, [service.pk for service in services])  # before the inputs
    seqs = {service_id: seq for service_id, (seq, _) in marks.items()}
    periods_of = services_periods(account=account, services=services)
    with collector_paused():
        inputs = services_inputs(
            account=account,
            services=services,
            start=start,
            end=now,
            flags=spec.options.detects_flapping,
        )
        for service, events, downtimes in inputs:
            service_time = periods_of[service.pk]
            for result in evaluate(
                spec, events, downtimes, range_from, range_to, now, **service_time
            ):
                batch.append((service, result))
            if len(batch) >= 2000:
                computed += len(batch)
                if store:
                    _store_many(account, sla, batch, seqs)
                batch = []
    computed += len(batch)
    if store:
        _store_many(account, sla, batch, seqs)
    return computed


def _assigned_by_sla(account) -> tuple[dict, dict]:
    """({sla: [services]}, {sla: [groups]}) as the assignment rules (first match) say."""
    from sla.selectors.definitions import ordered_rules, sla_for_group, sla_for_service

    rules = ordered_rules(account=account)
    services: dict = {}
    groups: dict = {}
    if not rules:
        return services, groups
    for service in Service.objects.for_account(account).select_related("group"):
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            services.setdefault(sla, []).append(service)
    for group in ServiceGroup.objects.for_account(account):
        sla = sla_for_group(account=account, group=group, rules=rules)
        if sla is not None:
            groups.setdefault(sla, []).append(group)
    return services, groups


def _not_frozen(account) -> Q:
    """Rows not (certainly) frozen: periods starting before the recorded event horizon are
    never recomputed, so the refresh does not even load them (period_results_ensure
    leaves out the few later ones whose inputs still start before it)."""
    pruned_before = events_pruned_before(account=account)
    return Q() if pruned_before is None else Q(period_start__gte=pruned_before)


def _pending(groups_pending: dict[int, dt.datetime]) -> Q:
    """Completed rows ending after a pending `results_from` of their subject's marks (a
    service's own; per group, `groups_results_from`)."""
    later_change = RollupMark.objects.filter(
        account_id=OuterRef("account_id"),
        service_id=OuterRef("service_id"),
        results_from__lt=OuterRef("period_end"),
    )
    pending = Q(service__isnull=False) & Exists(later_change)
    for group_id, since in groups_pending.items():
        pending |= Q(group_id=group_id, period_end__gt=since)
    return Q(complete=True) & pending


def _refresh_outdated(account, sla: SLADefinition, now, groups_pending: dict) -> None:
    """Rows of ended periods that need computing again: made stale by late events or a
    definition change, stored while their period was still running (the rare path), or
    ending after a change still pending in the marks."""
    ended = Q(period_end__lte=now)
    redo = Q(stale=True) | ~Q(sla_revision=sla.revision) | Q(complete=False)
    outdated = (
        PeriodResult.objects.for_account(account)
        .filter(sla=sla)
        .filter(ended & (redo | _pending(groups_pending)))
        .filter(_not_frozen(account))
        .select_related("service", "group")
    )
    by_subject: dict = {}
    for row in outdated:
        subject = Subject(service=row.service) if row.service_id else Subject(group=row.group)
        by_subject.setdefault(subject, []).append((row.period_start, row.period_end))
    for subject, periods in by_subject.items():
        period_results_ensure(
            account=account, sla=sla, subject=subject, periods=sorted(periods), now=now
        )


def period_results_refresh_account(*, account, now: dt.datetime) -> int:
    """The periodic unit: first the pending `results_from` of the marks (rows marked stale,
    instants cleared), then the current period of every rule-assigned service (in bulk,
    per SLA) and group, then any stale ended periods. Returns how many subjects were
    refreshed."""
    results_marks_apply(account=account)
    services_by_sla, groups_by_sla = _assigned_by_sla(account)
    pruned_before = events_pruned_before(account=account) if services_by_sla else None
    for sla, services in services_by_sla.items():
        current = period_bounds(sla.period, sla.timezone, now)
        if _frozen_starts(sla, [current], pruned_before):
            continue  # a definition reaching back past pruned events: no figure from half
        period_results_compute_bulk(
            account=account, sla=sla, services=services, periods=[current], now=now
        )
    for sla, groups in groups_by_sla.items():
        for group in groups:  # few per account; each group reads its members' history
            period_results_refresh_current(
                account=account, sla=sla, subject=Subject(group=group), now=now
            )
    # Left pending: marks an ingest moved during this run (their rows are redone anyway).
    groups_pending = groups_results_from(account)
    for sla in {*services_by_sla, *groups_by_sla}:
        _refresh_outdated(account, sla, now, groups_pending)
    return sum(map(len, services_by_sla.values())) + sum(map(len, groups_by_sla.values()))
