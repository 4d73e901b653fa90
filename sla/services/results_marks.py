"""Stored period results and the rollup marks: what a writer checks, what a reader trusts.

A writer of stored results (`period_results_ensure`, `period_results_compute_bulk`) reads
the sequences of the marks its subject's history is read from before it reads the inputs
and again when it stores. Alone that leaves a window: an ingest whose statement starts
before the writer commits and that commits after the writer's check cannot mark the row
the writer inserts (uncommitted, so invisible to it), and the check did not see the
ingest. So every change that marks stored results stale also moves the mark's
`results_from` back (committed state, see RollupMark), and:

- readers take a completed row that ends after `results_from` of any mark of its subject
  as outdated (`SubjectMarks.fresh`), so it is computed again;
- writers take `results_lock` before their first write and check the sequences after
  writing, in the same transaction;
- the results refresh (`results_marks_apply`) takes the same lock, marks the rows ending
  after each `results_from` stale and commits; then it clears each instant only if its
  mark's sequence is unchanged (compare-and-clear: an ingest that committed meanwhile, or
  holds the mark, keeps it).

With the lock no writer is between its write and its commit while the refresh marks rows,
so it sees every committed row; a writer that writes afterwards finds, at its check, every
sequence move the refresh saw. Ingest never takes the lock and a writer takes it before
any row lock of its transaction, so it cannot take part in a deadlock with ingest.
"""

import datetime as dt
from dataclasses import dataclass

import psycopg.errors
from django.db import OperationalError, connection, transaction
from django.db.models import Q

from sla.models import PeriodResult, RollupMark
from sla.selectors.groups import ancestors, group_and_descendant_ids, group_parents
from sla.services import seams
from sla.sql import bulk_cursor, is_postgres

# pg_advisory_xact_lock(class, account): a namespace of its own (the rollups' derive_lock
# uses 0x534C41), so results writers never wait for a rollup.
_LOCK_CLASS = 0x534C52
# "Every stored result may miss the change" (membership, service time): before any period.
ALL_HISTORY = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
APPLY_BATCH = 500
DEADLOCK_ATTEMPTS = 3


def results_lock(account) -> None:
    """Serialise the writes of an account's stored results with the refresh's marking
    (call inside the transaction that writes, before its first write). SQLite serialises
    writers anyway."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, account.pk % 2**31]
            )


@dataclass(frozen=True)
class SubjectMarks:
    """The (mark id, seq) pairs of everything a subject's history is read from, and the
    earliest `results_from` among them."""

    seqs: tuple
    results_from: dt.datetime | None

    def fresh(self, period_end: dt.datetime) -> bool:
        """May a completed row ending then be trusted (no change pending before its end)?"""
        return self.results_from is None or period_end <= self.results_from


def subject_marks(account, subject) -> SubjectMarks:
    """A service: its own mark. A group: its mark and those of every group nested below it
    and of their member services (ingest marks only the service; a change of a nested
    group marks the groups above it too)."""
    marks = RollupMark.objects.for_account(account)
    if subject.service is not None:
        marks = marks.filter(service_id=subject.service.pk)
    else:
        tree = group_and_descendant_ids(account=account, group_id=subject.group.pk)
        marks = marks.filter(Q(group_id__in=tree) | Q(service__group_id__in=tree))
    rows = list(marks.order_by("id").values_list("id", "seq", "results_from"))
    pending = [results_from for _, _, results_from in rows if results_from is not None]
    return SubjectMarks(
        seqs=tuple((mark_id, seq) for mark_id, seq, _ in rows),
        results_from=min(pending, default=None),
    )


def services_marks(account, service_ids) -> dict[int, tuple[int, dt.datetime | None]]:
    """(seq, results_from) of each service's mark (services without events have none)."""
    marks = RollupMark.objects.for_account(account).filter(service_id__in=list(service_ids))
    return {
        service_id: (seq, results_from)
        for service_id, seq, results_from in marks.values_list("service_id", "seq", "results_from")
    }


def groups_results_from(account) -> dict[int, dt.datetime]:
    """Per group, the earliest pending `results_from` of the marks it is read from (the
    inverse of `subject_marks`): a mark counts for its group (a service's: the service's
    group) and every group above it."""
    pending = RollupMark.objects.for_account(account).filter(results_from__isnull=False)
    rows = list(pending.values_list("service__group_id", "group_id", "results_from"))
    return _up_the_tree(account, [(member or own, since) for member, own, since in rows])


def _up_the_tree(account, items) -> dict[int, dt.datetime]:
    found: dict[int, dt.datetime] = {}
    parents = None
    for group_id, since in items:
        if group_id is None:
            continue
        parents = parents if parents is not None else group_parents(account=account)
        for tree_group in ancestors([group_id], parents):
            if tree_group not in found or since < found[tree_group]:
                found[tree_group] = since
    return found


# --------------------------------------------------------------------------- refresh


def results_marks_apply(*, account) -> int:
    """Make stale every stored result a pending `results_from` says may miss a change, then
    clear the instants whose marks did not move meanwhile; in batches of marks. Returns
    the number of marks handled (cleared or kept for the next run)."""
    handled, after = 0, 0
    while True:
        batch = _apply_batch(account, after)
        if not batch:
            return handled
        seams.reached("results:clear")
        _clear(account, [(mark_id, seq) for mark_id, _, _, seq, _ in batch])
        handled += len(batch)
        after = batch[-1][0]
        if len(batch) < APPLY_BATCH:
            return handled


def _is_deadlock(error: Exception) -> bool:
    return isinstance(error, psycopg.errors.DeadlockDetected) or isinstance(
        error.__cause__, psycopg.errors.DeadlockDetected
    )


def _apply_batch(account, after: int) -> list[tuple]:
    """One transaction under the lock: read a batch of pending marks, mark their rows
    stale. Its UPDATEs lock result rows in no fixed order, as ingest's do: a deadlock
    victim wrote nothing and runs again."""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                results_lock(account)
                batch = list(
                    RollupMark.objects.for_account(account)
                    .filter(results_from__isnull=False, id__gt=after)
                    .order_by("id")
                    .values_list("id", "service_id", "group_id", "seq", "results_from")[
                        :APPLY_BATCH
                    ]
                )
                _mark_stale(account, batch)
            return batch
        except (psycopg.errors.DeadlockDetected, OperationalError) as error:
            if attempt == DEADLOCK_ATTEMPTS or not _is_deadlock(error):
                raise
    raise AssertionError("unreachable")


def _mark_stale(account, batch) -> None:
    from sla.services.results import period_results_mark_stale

    services = {service_id: since for _, service_id, _, _, since in batch if service_id}
    # A service's rows and those of its groups, as an ingest marks them.
    period_results_mark_stale(account=account, changes=services)
    groups = _up_the_tree(account, [(group_id, since) for _, _, group_id, _, since in batch])
    scoped = PeriodResult.objects.for_account(account).filter(stale=False, complete=True)
    for group_id, since in sorted(groups.items()):
        scoped.filter(group_id=group_id, period_end__gt=since).update(stale=True)


_PG_CLEAR = """
UPDATE {mark} AS m SET results_from = NULL
FROM (
    SELECT x.id FROM {mark} AS x
    JOIN unnest(%b::bigint[], %b::bigint[]) AS v(id, seq) ON x.id = v.id
    WHERE x.account_id = %s AND x.seq = v.seq
    -- a mark an ingest holds is about to move: keep it (and never wait, so no deadlock)
    FOR UPDATE OF x SKIP LOCKED
) AS c
WHERE m.id = c.id
""".replace("{mark}", RollupMark._meta.db_table)


def _clear(account, marks: list[tuple[int, int]]) -> None:
    """Clear `results_from` of the marks whose `seq` is still the one read with it (on
    PostgreSQL the condition is checked again on the newest row version)."""
    if is_postgres():
        with bulk_cursor() as cursor:
            ids, seqs = [mark_id for mark_id, _ in marks], [seq for _, seq in marks]
            cursor.execute(_PG_CLEAR, [ids, seqs, account.pk])
        return
    scoped = RollupMark.objects.for_account(account)
    for mark_id, seq in marks:
        scoped.filter(pk=mark_id, seq=seq).update(results_from=None)
