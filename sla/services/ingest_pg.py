"""PostgreSQL fast path of `events_ingest`: the whole write as one statement.

Looking up the services, inserting the events (ON CONFLICT DO NOTHING on the dedup key),
moving the rollup marks back (`results_from` too: see RollupMark), marking the stored SLA
results of the services and of their groups stale and the time SLOs' buckets dirty are
data-modifying CTEs of a single statement, atomic on its own: no BEGIN/COMMIT round trips
and no bookkeeping statements after the commit, which is most of a single-event push's
database time, and no crash between the events and their marks can leave a derived
figure unmarked. If a path is not a known service the statement's guard writes nothing
and says so, and the caller takes the general path, which creates services on first sight.

The statement is prepared once per connection (DATABASE_PREPARED_STATEMENTS). It must not
fail as a matter of course: psycopg forgets a statement whose first run fails while the
server keeps it, so each such failure left one more prepared statement behind for the
connection's life (the guard used to be a division by zero). A statement that does fail
(a deadlock, a lock timeout) has its orphan deallocated (`_deallocate_orphans`).
"""

import datetime as dt
import logging

import psycopg.errors
import psycopg.sql
from django.db import connection, transaction

from sla.models import SLO, PeriodResult, RollupMark, Service, ServiceGroup, StatusEvent
from sla.models.slo import SLIKind
from sla.sql import bulk_cursor, prepared

_MARKER = "/* slaportal: ingest write */"
_TEMPLATE = """/* slaportal: ingest write */
WITH RECURSIVE v AS (
    SELECT * FROM unnest(%b::text[], %b::timestamptz[], %b::text[], %b::text[], %b::text[],
                         %b::bool[], %b::bigint[], %b::bool[])
        AS v(path, at, state, message, key, has_id, ord, flapping)
), s AS (
    SELECT v.*, svc.id AS service_id, svc.group_id,
           CASE WHEN v.has_id THEN v.key ELSE 'auto:' || svc.id || ':' || v.key END AS dedup_key
    FROM v JOIN {service} AS svc ON svc.account_id = %s AND svc.path = v.path
), guard AS (
    SELECT (SELECT count(*) FROM s) = %s AS ok
), ins AS (
    INSERT INTO {event} (account_id, service_id, at, state, message, dedup_key, received_at,
                         flapping)
    SELECT %s, s.service_id, s.at, s.state, s.message, s.dedup_key, %s, s.flapping
    FROM s CROSS JOIN guard WHERE guard.ok ORDER BY s.dedup_key, s.ord
    ON CONFLICT (account_id, dedup_key) DO NOTHING
    RETURNING service_id, at
), grouped AS (
    SELECT service_id, min(at) AS first_at, count(*) AS new FROM ins GROUP BY service_id
), marks AS (
    -- results_from: the stale marking below cannot see a result row being inserted now
    INSERT INTO {mark} (account_id, service_id, history_start, dirty_from, incidents_from,
                        results_from, seq, updated_at)
    SELECT %s, service_id, first_at, first_at, first_at, first_at, 1, %s
    FROM grouped ORDER BY service_id
    ON CONFLICT (service_id) WHERE service_id IS NOT NULL DO UPDATE SET
        history_start = LEAST({mark}.history_start, EXCLUDED.history_start),
        dirty_from = LEAST({mark}.dirty_from, EXCLUDED.dirty_from),
        incidents_from = LEAST({mark}.incidents_from, EXCLUDED.incidents_from),
        results_from = LEAST({mark}.results_from, EXCLUDED.results_from),
        seq = {mark}.seq + 1,
        updated_at = EXCLUDED.updated_at
), stale_services AS (
    -- stored results of ended periods that end after a service's earliest new instant
    UPDATE {result} AS r SET stale = true FROM grouped
    WHERE r.service_id = grouped.service_id AND r.period_end > grouped.first_at
      AND r.account_id = %s AND NOT r.stale AND r.complete
), member_groups AS (
    -- the groups of the services with new events, read with the services in s
    SELECT sg.group_id, min(grouped.first_at) AS since
    FROM grouped JOIN (SELECT DISTINCT service_id, group_id FROM s WHERE group_id IS NOT NULL)
        AS sg ON sg.service_id = grouped.service_id
    GROUP BY sg.group_id
), tree (group_id, since, depth) AS (
    -- every group above a member's group (BI trees are at most 5 levels deep)
    SELECT group_id, since, 1 FROM member_groups
    UNION ALL
    SELECT g.parent_id, tree.since, tree.depth + 1
    FROM tree JOIN {group} AS g ON g.id = tree.group_id
    WHERE g.parent_id IS NOT NULL AND tree.depth < 6
), tree_groups AS (
    SELECT group_id, min(since) AS since FROM tree GROUP BY group_id
), stale_groups AS (
    UPDATE {result} AS r SET stale = true FROM tree_groups AS mg
    WHERE r.group_id = mg.group_id AND r.period_end > mg.since
      AND r.account_id = %s AND NOT r.stale AND r.complete
), slo_since AS (
    SELECT id, min(since) AS since FROM (
        SELECT o.id, grouped.first_at AS since FROM {slo} AS o
        JOIN grouped ON o.service_id = grouped.service_id
        WHERE o.account_id = %s AND o.sli_kind = %s
        UNION ALL
        SELECT o.id, mg.since FROM {slo} AS o JOIN tree_groups AS mg ON o.group_id = mg.group_id
        WHERE o.account_id = %s AND o.sli_kind = %s
    ) AS touched GROUP BY id
), slo_dirty AS (
    UPDATE {slo} AS o SET buckets_dirty_from = slo_since.since FROM slo_since
    WHERE o.id = slo_since.id
      AND (o.buckets_dirty_from IS NULL OR o.buckets_dirty_from > slo_since.since)
)
-- guard on the outer side: it answers even when nothing was inserted
SELECT guard.ok, grouped.service_id, grouped.first_at, grouped.new
FROM guard LEFT JOIN grouped ON true
"""
# Table names from model metadata; every value is a bound parameter.
_SQL = (
    _TEMPLATE.replace("{service}", Service._meta.db_table)
    .replace("{event}", StatusEvent._meta.db_table)
    .replace("{mark}", RollupMark._meta.db_table)
    .replace("{result}", PeriodResult._meta.db_table)
    .replace("{slo}", SLO._meta.db_table)
    .replace("{group}", ServiceGroup._meta.db_table)
)


DEADLOCK_ATTEMPTS = 3
logger = logging.getLogger(__name__)


class UnknownService(Exception):
    """A path of the batch is not a service of the account (nothing was written)."""


def _execute(params) -> list[tuple]:
    with bulk_cursor() as cursor:
        cursor.execute(_SQL, params, prepare=prepared())
        return cursor.fetchall()


def _execute_once(params) -> list[tuple]:
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction a failed run (a deadlock) must not abort it.
            with transaction.atomic():
                return _execute(params)
        return _execute(params)
    except psycopg.Error:
        if prepared():
            try:
                _deallocate_orphans()
            except psycopg.Error:  # the first error is the one to report
                logger.warning("ingest: could not deallocate prepared statements", exc_info=True)
        raise


def _deallocate_orphans() -> None:
    """Deallocate this statement's server-side copies psycopg does not know (any longer):
    it drops its record of a statement whose first run failed, the server does not."""
    raw = connection.connection
    if raw is None or raw.closed or connection.needs_rollback:
        return  # a lost connection takes its statements along; else after the rollback
    names = getattr(getattr(raw, "_prepared", None), "_names", None)
    if names is None:  # psycopg's bookkeeping changed: better a leak than a missing one
        return
    known = {name.decode() for name in names.values()}
    with psycopg.Cursor(raw) as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements WHERE starts_with(statement, %s)",
            [_MARKER],
            prepare=False,
        )
        orphans = [name for (name,) in cursor.fetchall() if name not in known]
        for name in orphans:
            cursor.execute(psycopg.sql.SQL("DEALLOCATE {}").format(psycopg.sql.Identifier(name)))


def _execute_retrying(params) -> list[tuple]:
    """Run the statement; again if PostgreSQL chose it as a deadlock victim. Its UPDATEs of
    stored results and SLOs lock rows in no fixed order, so two batches touching the same
    group's rows can deadlock (rare: a row already stale is not updated again). The victim
    wrote nothing (inside a caller's transaction its savepoint is rolled back), so running
    it again is safe."""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return _execute_once(params)
        except psycopg.errors.DeadlockDetected:
            if attempt == DEADLOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def ingest_statement(*, account, valid: list, received_at: dt.datetime) -> dict[int, tuple]:
    """Store validated events (all of known services) in one statement; per service id the
    earliest new instant and the number of new events. Raises UnknownService."""
    rows = sorted(valid, key=lambda event: event.index)
    params = [
        [event.path for event in rows],
        [event.at for event in rows],
        [event.state for event in rows],
        [event.message for event in rows],
        [
            f"id:{event.event_id}"
            if event.event_id is not None
            else f"{event.at.isoformat()}:{event.state}"
            for event in rows
        ],
        [event.event_id is not None for event in rows],
        [event.index for event in rows],
        [event.flapping for event in rows],
        account.pk,
        len(rows),
        account.pk,
        received_at,
        account.pk,
        received_at,
        account.pk,  # stale_services
        account.pk,  # stale_groups
        account.pk,  # slo_since, services
        SLIKind.TIME.value,
        account.pk,  # slo_since, groups
        SLIKind.TIME.value,
    ]
    found = _execute_retrying(params)
    if not found[0][0]:  # the guard: a path that is no service of the account
        raise UnknownService()
    return {
        service_id: (first_at, new)
        for _, service_id, first_at, new in found
        if service_id is not None
    }
