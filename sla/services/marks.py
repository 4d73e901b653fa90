"""Rollup marks: what the rollup unit must recompute, persisted with the data that caused it.

Marking moves `dirty_from` / `incidents_from` back (never forward) and bumps `seq`; the
rollup clears a mark only if its `seq` is unchanged since it read it (see RollupMark).
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Q
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from sla.models import RollupMark, Service
from sla.selectors.groups import ancestors, group_and_ancestor_ids, group_parents
from sla.sql import Column, least_sql, update_from_rows, upsert

MARK_TABLE = RollupMark._meta.db_table

_SUBJECT_COLUMN = {"service": "service_id", "group": "group_id"}


def marks_upsert(
    *,
    account,
    subject: str,
    marks: dict[int, tuple],
) -> None:
    """Mark services (subject="service") or groups ("group") by id:
    `{id: (history_start, dirty_from, incidents_from[, results_from])}`, each moved back to
    the given instant (None, or a value left out, leaves it). `results_from` is given by
    every caller whose change also makes stored period results stale (see RollupMark).
    Creates missing marks. Rows are written in id order so concurrent ingests lock them in
    one order."""
    if not marks:
        return
    column = _SUBJECT_COLUMN[subject]
    now = timezone.now()
    rows = [
        (account.pk, subject_id, *(tuple(values) + (None,) * 4)[:4], 1, now)
        for subject_id, values in sorted(marks.items())
    ]
    updates = {
        name: least_sql(f"{MARK_TABLE}.{name}", f"excluded.{name}")
        for name in ("history_start", "dirty_from", "incidents_from", "results_from")
    }
    updates["seq"] = f"{MARK_TABLE}.seq + 1"
    updates["updated_at"] = "excluded.updated_at"
    upsert(
        table=MARK_TABLE,
        columns=[
            Column("account_id", "bigint"),
            Column(column, "bigint"),
            Column("history_start", "timestamptz"),
            Column("dirty_from", "timestamptz"),
            Column("incidents_from", "timestamptz"),
            Column("results_from", "timestamptz"),
            Column("seq", "bigint"),
            Column("updated_at", "timestamptz"),
        ],
        rows=rows,
        conflict=f"({column}) WHERE {column} IS NOT NULL",
        updates=updates,
    )


def _move_back(field: str, instant: dt.datetime):
    return Least(Coalesce(F(field), instant), instant)


def marks_dirty_existing(*, account, subjects: Q, since: dt.datetime) -> int:
    """Move `dirty_from` (and `results_from`: stored results are marked stale for the same
    change) of existing marks matching `subjects` back to `since` (downtime changes:
    subjects without a mark have no history, so nothing to recompute)."""
    return (
        RollupMark.objects.for_account(account)
        .filter(subjects)
        .update(
            dirty_from=_move_back("dirty_from", since),
            results_from=_move_back("results_from", since),
            seq=F("seq") + 1,
        )
    )


def marks_for_group_membership(*, account, service: Service, group_ids: Iterable[int]) -> None:
    """A service joined or left groups: their whole history (from the service's first event)
    must be derived again, and that of every group above them."""
    service_mark = RollupMark.objects.for_account(account).filter(service=service).first()
    if service_mark is None or service_mark.history_start is None:
        return
    since = service_mark.history_start
    tree = group_and_ancestor_ids(account=account, group_ids=group_ids)
    marks_upsert(account=account, subject="group", marks=dict.fromkeys(tree, (since, since, since)))


def marks_for_group_definition(*, account, group_id: int, also=()) -> None:
    """A group's aggregation (or place in its tree) changed: derive its whole history again,
    and that of every group above it (and above the groups in `also`, e.g. its former
    parent)."""
    mark = RollupMark.objects.for_account(account).filter(group_id=group_id).first()
    if mark is None or mark.history_start is None:
        return
    since = mark.history_start
    tree = group_and_ancestor_ids(account=account, group_ids=[group_id, *also])
    marks_upsert(account=account, subject="group", marks=dict.fromkeys(tree, (since, since, since)))


def marks_propagate_to_groups(*, account, marks: Iterable[RollupMark]) -> int:
    """Carry these service marks over to their groups. Call it in the transaction that
    later clears the same marks (`marks_finish`, which clears only marks whose `seq` is
    unchanged since they were read): what a group is told and what its members forget then
    commit together, so neither a crash nor an ingest committing in between can leave a
    member's change unknown to its group. Returns the number of groups marked."""
    pending = {
        mark.service_id: (mark.history_start, mark.dirty_from, mark.incidents_from)
        for mark in marks
        if mark.service_id and (mark.dirty_from is not None or mark.incidents_from is not None)
    }
    if not pending:
        return 0
    groups = (
        Service.objects.for_account(account)
        .filter(pk__in=list(pending), group__isnull=False)
        .values_list("id", "group_id")
    )
    wanted: dict[int, list] = {}
    parents = None
    for service_id, group_id in groups:
        if parents is None:
            parents = group_parents(account=account)
        # A nested group's change reaches every group above it (BI trees).
        for tree_group in ancestors([group_id], parents):
            current = wanted.setdefault(tree_group, [None, None, None])
            for index, value in enumerate(pending[service_id]):
                if value is not None and (current[index] is None or value < current[index]):
                    current[index] = value
    if not wanted:
        return 0
    existing = {
        mark.group_id: mark
        for mark in RollupMark.objects.for_account(account).filter(group_id__in=wanted)
    }
    changed = {}
    for group_id, values in wanted.items():
        mark = existing.get(group_id)
        stored = (
            (None, None, None)
            if mark is None
            else (mark.history_start, mark.dirty_from, mark.incidents_from)
        )
        if mark is None or any(
            value is not None and (old is None or value < old)
            for value, old in zip(values, stored, strict=True)
        ):
            changed[group_id] = tuple(values)
    marks_upsert(account=account, subject="group", marks=changed)
    return len(changed)


# Marks cleared per statement by marks_finish. Every ingest statement upserts its services'
# marks, so it waits for a clearing statement that holds one of them until that commits.
FINISH_BATCH = 100


def marks_finish(
    *,
    marks: Iterable[RollupMark],
    rolled_until: dt.datetime | None,
    snapshots: bool,
    incidents: bool,
) -> None:
    """After a unit derived what the marks asked for and COMMITTED it: advance
    `rolled_until` (never back) and clear the handled fields of every mark whose `seq` did
    not change meanwhile.

    Called outside the unit's transaction, so the mark rows are locked only for one short
    statement per FINISH_BATCH marks (autocommit), never for a chunk's whole derivation and
    commit: ingest upserts the same rows and would wait that long. That is safe because the
    clear is conditional on `seq`: an ingest committing between the unit's commit and this
    clear bumped `seq`, so its mark stays (and is carried to the groups by the next unit);
    a crash in between leaves the marks set and the next unit redoes the chunk.

    A mark an ingest holds right now is skipped (PostgreSQL: SKIP LOCKED), not waited for:
    that ingest bumps its `seq`, so it would not be cleared anyway, and its `rolled_until`
    not advancing only makes the next unit start a little earlier. Waiting instead held the
    batch's other rows meanwhile, and every ingest touching them queued behind."""
    rows = sorted((mark.pk, mark.seq, rolled_until) for mark in marks)  # lock in id order
    for start in range(0, len(rows), FINISH_BATCH):
        _finish_rows(rows[start : start + FINISH_BATCH], rolled_until, snapshots, incidents)


def _finish_rows(rows: list[tuple], rolled_until, snapshots: bool, incidents: bool) -> None:
    if not rows:
        return
    table = MARK_TABLE
    sets = {}
    if rolled_until is not None:
        sets["rolled_until"] = (
            f"CASE WHEN {table}.rolled_until IS NULL OR {table}.rolled_until < v.until "
            f"THEN v.until ELSE {table}.rolled_until END"
        )
    if snapshots:
        sets["dirty_from"] = f"CASE WHEN {table}.seq = v.seq THEN NULL ELSE {table}.dirty_from END"
    if incidents:
        sets["incidents_from"] = (
            f"CASE WHEN {table}.seq = v.seq THEN NULL ELSE {table}.incidents_from END"
        )
    update_from_rows(
        table=table,
        columns=[Column("id", "bigint"), Column("seq", "bigint"), Column("until", "timestamptz")],
        rows=rows,
        sets=sets,
        skip_locked=True,
    )
