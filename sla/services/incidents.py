"""Incidents are derived rows: rebuilt from the state timeline whenever history changes.

An incident opens when a service (or group) leaves OK for WARN, UNKNOWN or CRIT, tracks its
worst and latest state, and closes when it returns to OK. A rebuild from instant T derives
the subject's incidents again from the earliest start of those open or ending at or after
T (or from T) and makes the stored ones from there equal to them, so late, duplicate and
out-of-order events end up with exactly the incidents an in-order history gives. Rows that
already hold what was derived are left alone; an incident whose start holds keeps its id.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from sla.engine import OK, STATE_BADNESS, Span, state_timeline
from sla.engine.states import STATES
from sla.models import Incident, Service
from sla.selectors.event_horizon import events_pruned_before
from sla.selectors.groups import group_histories
from sla.selectors.history import histories, incident_starts_from, incidents_stored_from
from sla.signals import incidents_ended
from sla.sql import BADNESS_SQL, Column, update_from_rows

INCIDENT_TABLE = Incident._meta.db_table
SERVICE_TABLE = Service._meta.db_table
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class DerivedIncident:
    """An incident as derived from a timeline (`ended_at` None: still open)."""

    started_at: dt.datetime
    ended_at: dt.datetime | None
    worst_state: str
    state: str


def derive_incidents(spans: list[Span]) -> list[DerivedIncident]:
    """Incidents of a raw-state timeline; the last span is taken as open-ended.

    A closed incident's `state` is OK (the state it returned to); an open one's is the
    latest state. UNMONITORED time (before the first event) opens nothing.
    """
    incidents = []
    current = None  # [started_at, worst, latest]
    for span in spans:
        state = span.raw_state
        if state == OK:
            if current is not None:
                incidents.append(DerivedIncident(current[0], span.start, current[1], OK))
                current = None
        elif state in STATES:
            if current is None:
                current = [span.start, state, state]
            else:
                if STATE_BADNESS[state] > STATE_BADNESS[current[1]]:
                    current[1] = state
                current[2] = state
    if current is not None:
        incidents.append(DerivedIncident(current[0], None, current[1], current[2]))
    return incidents


def _horizon(now: dt.datetime, events_by_subject: dict) -> dt.datetime:
    """An end instant after every event, so the timeline's last span is the open one."""
    latest = now
    for events in events_by_subject.values():
        for event in events:
            if event.at > latest:
                latest = event.at
    return latest + _MICROSECOND


def _clamped(account, froms: dict[int, dt.datetime]) -> dict[int, dt.datetime]:
    """Rebuilds never start before the recorded event horizon: incidents wholly before it
    stay as derived from the whole history. One open across it is still rebuilt from its
    start, whose events the retention job keeps (sla.services.retention)."""
    pruned_before = events_pruned_before(account=account)
    if pruned_before is None:
        return froms
    return {subject_id: max(since, pruned_before) for subject_id, since in froms.items()}


def _rebuild_starts(account, field: str, froms: dict[int, dt.datetime]) -> dict:
    froms = _clamped(account, froms)
    earliest = incident_starts_from(account=account, field=field, starts=froms)
    return {
        subject_id: min(instant, earliest.get(subject_id, instant))
        for subject_id, instant in froms.items()
    }


def incident_changes(
    stored: list[tuple], derived: list[DerivedIncident]
) -> tuple[list[int], list[tuple], list[DerivedIncident]]:
    """What turns a subject's stored incidents (id, started_at, ended_at, worst_state, state)
    into the derived ones: ids to delete, (id, ended_at, worst_state, state) rows to update
    and incidents to insert. An incident keeps its row (and id) while its start holds, and
    a row that already says what was derived is not written at all: a refresh after every
    push rewrites only what changed (WAL and index churn beside ingest)."""
    by_start: dict[dt.datetime, tuple] = {}
    deletes = []
    for row in stored:
        if row[1] in by_start:
            deletes.append(row[0])  # a second row at one start cannot be right
        else:
            by_start[row[1]] = row
    updates, inserts = [], []
    for incident in derived:
        row = by_start.pop(incident.started_at, None)
        if row is None:
            inserts.append(incident)
        elif tuple(row[2:]) != (incident.ended_at, incident.worst_state, incident.state):
            updates.append((row[0], incident.ended_at, incident.worst_state, incident.state))
    deletes.extend(row[0] for row in by_start.values())
    return deletes, updates, inserts


def _store(account, field: str, starts: dict, derived: dict[int, list[DerivedIncident]]) -> int:
    """Make each subject's stored incidents from its start on equal the derived ones (a
    subject without derived ones keeps none from its start); returns rows written."""
    stored = incidents_stored_from(account=account, field=field, starts=starts)
    deletes, updates, inserts = [], [], []
    for subject_id in sorted(starts):
        gone, changed, new = incident_changes(stored[subject_id], derived.get(subject_id, []))
        deletes.extend(gone)
        updates.extend(changed)
        inserts.extend((subject_id, incident) for incident in new)
    if deletes:
        Incident.objects.for_account(account).filter(pk__in=deletes).delete()
    now = timezone.now()
    update_from_rows(
        table=INCIDENT_TABLE,
        columns=[
            Column("id", "bigint"),
            Column("ended_at", "timestamptz"),
            Column("worst_state", "text"),
            Column("state", "text"),
            Column("updated_at", "timestamptz"),
        ],
        rows=[(*row, now) for row in sorted(updates)],
        sets={name: f"v.{name}" for name in ("ended_at", "worst_state", "state", "updated_at")},
    )
    Incident.objects.bulk_create(
        [
            Incident(
                account=account,
                started_at=incident.started_at,
                ended_at=incident.ended_at,
                worst_state=incident.worst_state,
                state=incident.state,
                **{f"{field}_id": subject_id},
            )
            for subject_id, incident in inserts
        ],
        batch_size=1000,
    )
    ended = [row[0] for row in updates if row[1] is not None]
    if ended:
        incidents_ended.send(sender=Incident, account=account, incident_ids=sorted(ended))
    return len(updates) + len(inserts)


def _latest(events) -> tuple[dt.datetime, str] | None:
    """The latest event (the worst one at a tie)."""
    best = None
    for event in events:
        key = (event.at, STATE_BADNESS[event.state])
        if best is None or key > best[0]:
            best = (key, event.state)
    return None if best is None else (best[0][0], best[1])


def current_states_advance(*, account, events: dict[int, list]) -> int:
    """Move Service.current_state/current_state_since to each service's latest event (the
    worse wins at a tie) where that is newer than the stored one; returns rows written.

    `events` must hold each service's latest events (as a rebuild from the earliest changed
    instant does)."""
    latest = {sid: found for sid, rows in events.items() if (found := _latest(rows))}
    stored = Service.objects.for_account(account).filter(pk__in=list(latest))
    changed = []
    for service_id, state, since in stored.values_list(
        "id", "current_state", "current_state_since"
    ):
        at, new_state = latest[service_id]
        if (
            since is None
            or at > since
            or (at == since and STATE_BADNESS[new_state] > STATE_BADNESS.get(state, -1))
        ):
            changed.append((service_id, at, new_state))
    table = SERVICE_TABLE
    newer = (
        f"({table}.current_state_since IS NULL OR v.at > {table}.current_state_since OR "
        f"(v.at = {table}.current_state_since AND {BADNESS_SQL.format(column='v.state')} > "
        f"{BADNESS_SQL.format(column=table + '.current_state')}))"
    )
    update_from_rows(
        table=table,
        columns=[Column("id", "bigint"), Column("at", "timestamptz"), Column("state", "text")],
        rows=sorted(changed),
        sets={
            "current_state": f"CASE WHEN {newer} THEN v.state ELSE {table}.current_state END",
            "current_state_since": (
                f"CASE WHEN {newer} THEN v.at ELSE {table}.current_state_since END"
            ),
        },
    )
    return len(changed)


def incidents_rebuild_services(*, account, froms: dict[int, dt.datetime], now: dt.datetime) -> int:
    """Rebuild the incidents of services `{service_id: changed_from}` (and move their
    current state forward); returns incident rows written. Call inside a transaction holding
    the account's derive lock."""
    if not froms:
        return 0
    starts = _rebuild_starts(account, "service", froms)
    events = histories(account=account, starts=starts)
    current_states_advance(account=account, events=events)
    horizon = _horizon(now, events)
    derived = {
        service_id: derive_incidents(state_timeline(events[service_id], start, horizon))
        for service_id, start in starts.items()
    }
    return _store(account, "service", starts, derived)


def incidents_rebuild_groups(*, account, froms: dict[int, dt.datetime], now: dt.datetime) -> int:
    """Rebuild group incidents from each group's derived timeline (see module docstring)."""
    if not froms:
        return 0
    starts = _rebuild_starts(account, "group", froms)
    found = group_histories(account=account, starts=starts)
    horizon = _horizon(now, found.events)
    derived = {}
    for group_id, start in starts.items():
        timeline = found.timeline(group_id, start, horizon)
        if timeline is not None:  # None: the group was deleted meanwhile
            derived[group_id] = derive_incidents(timeline)
    return _store(account, "group", starts, derived)
