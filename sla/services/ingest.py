"""Status ingest: validate a batch item by item, store every valid event exactly once, and
mark what must be derived again (incidents, snapshots, period results).

Speed matters here (agents push tens of thousands of events a second), so items are
validated by plain Python, not a serializer per item, and the batch is written with a few
set-based statements in one transaction: services created on first sight, events inserted
with ON CONFLICT DO NOTHING on the dedup key (RETURNING tells new from duplicate exactly),
rollup marks moved back to the earliest new instant of each service, stored SLA results
after it marked stale and time SLO buckets dirty, all in the same transaction. On
PostgreSQL, when every service is known, the same write is one statement
(sla/services/ingest_pg.py).
After the commit the `status_history_changed` signal goes out and the incidents refresh is
dispatched; it also moves `Service.current_state` forward (in the request without Redis,
within about two seconds on a worker, at the latest with the 5-minute rollup). Keeping
that row update out of the request means one write per service per refresh instead of one
per batch.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from licensing.limits import creatable_paths, service_limit, service_limit_message
from sla.engine import StateError, normalize_state
from sla.models import Service, StatusEvent
from sla.models.slo import SLIKind
from sla.selectors.event_horizon import ingest_horizon
from sla.services.ingest_pg import UnknownService, ingest_statement
from sla.services.marks import marks_upsert
from sla.services.results import period_results_mark_stale
from sla.services.slo_buckets import slos_mark_dirty_each
from sla.signals import status_history_changed
from sla.sql import Column, bulk_cursor, insert_returning, is_postgres, prepared
from sla.validators import SERVICE_PATH_RE
from slaportal.deferred import after_response
from slaportal.instants import InstantError, parse_aware_instant
from slaportal.telemetry import counted_ingest
from slaportal.text import lone_surrogate_fields

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
MAX_ID_LENGTH = 200
MAX_PATH_LENGTH = 300
ITEM_FIELDS = ("service", "at", "state", "message", "id")
CONFLICT = "conflict"  # `code` of an item whose id already names another event
EVENT_TABLE = StatusEvent._meta.db_table
SERVICE_TABLE = Service._meta.db_table
# Identifies this module as the sender of status_history_changed: its marks (rollups, stale
# results, dirty SLO buckets) are already written inside the ingest write, so the marking
# receivers skip them.
INGEST_SENDER = "sla.events_ingest"


@dataclass
class IngestResult:
    """What happened to a batch: counts, and one error per rejected field of an item."""

    received: int
    new: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)
    services_created: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error["index"] for error in self.errors})

    @property
    def conflicts(self) -> int:
        return sum(1 for error in self.errors if error.get("code") == CONFLICT)

    @property
    def accepted(self) -> int:
        return self.received - self.rejected

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "new": self.new,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "services_created": self.services_created,
        }


@dataclass(slots=True)
class ValidEvent:
    """One item that passed validation (state normalised, instant in UTC)."""

    index: int
    path: str
    at: dt.datetime
    state: str
    message: str
    event_id: str | None
    flapping: bool | None = None


def _error(errors: list, index: int, field_name: str, message: str) -> None:
    errors.append({"index": index, "field": field_name, "error": message})


def _check_text(value, errors, index, field_name, max_length) -> str | None:
    if not isinstance(value, str):
        _error(errors, index, field_name, "must be a string")
        return None
    if len(value) > max_length:
        _error(errors, index, field_name, f"must be at most {max_length} characters")
        return None
    if "\x00" in value:
        _error(errors, index, field_name, "must not contain NUL characters")
        return None
    return value


def _check_path(value, errors, index) -> str | None:
    if value is None or value == "":
        _error(errors, index, "service", "required: the service path, e.g. payment/api")
        return None
    path = _check_text(value, errors, index, "service", MAX_PATH_LENGTH)
    if path is not None and not SERVICE_PATH_RE.fullmatch(path):
        _error(
            errors,
            index,
            "service",
            "not a service path: segments of letters, digits, '.', '_' or '-' separated by '/'",
        )
        return None
    return path


def _check_at(value, errors, index, latest: dt.datetime, earliest=None) -> dt.datetime | None:
    if value is None:
        _error(errors, index, "at", "required: an ISO 8601 instant with an offset or Z")
        return None
    try:
        instant = parse_aware_instant(value)
    except InstantError as error:
        _error(errors, index, "at", str(error))
        return None
    if instant > latest:
        skew = settings.SLA_INGEST_MAX_FUTURE_SKEW_SECONDS
        _error(errors, index, "at", f"more than {skew} s in the future (check the agent's clock)")
        return None
    if earliest is not None and instant < earliest:
        # Events that far back may be pruned already: accepting one would change periods
        # whose results are frozen (README "Retention").
        days = settings.SLA_EVENT_RETENTION_DAYS
        _error(
            errors,
            index,
            "at",
            f"before {earliest.isoformat()}: older than the event retention "
            f"(SLA_EVENT_RETENTION_DAYS={days})",
        )
        return None
    return instant


def _check_state(value, errors, index) -> str | None:
    if value is None:
        _error(errors, index, "state", "required: OK, WARN, CRIT or UNKNOWN (or an alias)")
        return None
    try:
        return normalize_state(value)
    except StateError as error:
        _error(errors, index, "state", str(error))
        return None


def _check_id(value, errors, index) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _error(errors, index, "id", "must be a string (or an integer)")
        return None
    text = str(value)
    if not text:
        _error(errors, index, "id", "must not be empty; leave it out instead")
        return None
    return _check_text(text, errors, index, "id", MAX_ID_LENGTH)


def validate_item(
    item, index: int, latest: dt.datetime, errors: list, earliest: dt.datetime | None = None
) -> ValidEvent | None:
    """Check one item; append its errors (every bad field) and return it if valid."""
    if not isinstance(item, dict):
        _error(errors, index, "", "must be an object with service, at and state")
        return None
    before = len(errors)
    if _check_storable_text(item, errors, index):
        return None
    path = _check_path(item.get("service"), errors, index)
    at = _check_at(item.get("at"), errors, index, latest, earliest)
    state = _check_state(item.get("state"), errors, index)
    message = item.get("message")
    if message is None:
        message = ""
    else:
        message = _check_text(message, errors, index, "message", MAX_MESSAGE_LENGTH)
    event_id = item.get("id")
    if event_id is not None:
        event_id = _check_id(event_id, errors, index)
    flapping = item.get("flapping")
    if flapping is not None and not isinstance(flapping, bool):
        _error(errors, index, "flapping", "must be true or false (or left out)")
    if len(errors) > before:
        return None
    return ValidEvent(index, path, at, state, message, event_id, flapping)


def _check_storable_text(item: dict, errors, index) -> bool:
    """Reject the item if a field holds text no database can store (a lone surrogate):
    checked first, so no other check echoes it back and the batch's one statement never
    sees it (the driver would fail the whole batch)."""
    bad = lone_surrogate_fields({name: item.get(name) for name in ITEM_FIELDS})
    for name, messages in bad.items():
        _error(errors, index, name, messages[0])
    return bool(bad)


def events_validate(items: list, *, now: dt.datetime) -> tuple[list[ValidEvent], list[dict]]:
    latest = now + dt.timedelta(seconds=settings.SLA_INGEST_MAX_FUTURE_SKEW_SECONDS)
    earliest = ingest_horizon(now)
    errors: list[dict] = []
    valid = []
    for index, item in enumerate(items):
        event = validate_item(item, index, latest, errors, earliest)
        if event is not None:
            valid.append(event)
    return valid, errors


def _services_by_path(account, paths) -> dict[str, int]:
    if is_postgres():  # one array parameter instead of a thousand
        with bulk_cursor() as cursor:
            cursor.execute(
                f"SELECT path, id FROM {SERVICE_TABLE} "  # noqa: S608
                "WHERE account_id = %s AND path = ANY(%b::text[])",
                [account.pk, list(paths)],
                prepare=prepared(),
            )
            return dict(cursor.fetchall())
    rows = Service.objects.for_account(account).filter(path__in=paths).values_list("path", "id")
    return dict(rows)


def _resolve_services(account, valid, errors, result) -> tuple[list[ValidEvent], dict[str, int]]:
    """Service ids for the items' paths; unknown ones created (if allowed) or rejected."""
    paths = sorted({event.path for event in valid})
    known = _services_by_path(account, paths)
    missing = [path for path in paths if path not in known]
    if missing and account.feature_auto_create_services:
        missing, over_limit = creatable_paths(account, missing)
        if missing:
            # Sorted paths and ON CONFLICT DO NOTHING: concurrent batches may create the
            # same service; both then see the one row.
            Service.objects.bulk_create(
                [Service(account=account, path=path) for path in missing], ignore_conflicts=True
            )
            known.update(_services_by_path(account, missing))
            result.services_created = missing
        if over_limit:
            message = service_limit_message(service_limit(account))
            valid = _reject_paths(valid, errors, set(over_limit), lambda path: message)
    elif missing:
        valid = _reject_paths(
            valid,
            errors,
            set(missing),
            lambda path: (
                f"unknown service {path!r}; this account does not create services "
                "on first sight (create or import it first)"
            ),
        )
    return valid, known


def _reject_paths(valid, errors, absent: set, message) -> list[ValidEvent]:
    """Refuse, item by item, the events of services that cannot be had."""
    for event in valid:
        if event.path in absent:
            _error(errors, event.index, "service", message(event.path))
    return [event for event in valid if event.path not in absent]


def dedup_key(event: ValidEvent, service_id: int) -> str:
    if event.event_id is not None:
        return f"id:{event.event_id}"
    return f"auto:{service_id}:{event.at.isoformat()}:{event.state}"


def _insert_events(account, rows: list[tuple], received_at) -> set[str]:
    inserted = insert_returning(
        table=EVENT_TABLE,
        columns=[
            Column("service_id", "bigint"),
            Column("at", "timestamptz"),
            Column("state", "text"),
            Column("message", "text"),
            Column("dedup_key", "text"),
            Column("flapping", "boolean"),
        ],
        constants={"account_id": account.pk, "received_at": received_at},
        rows=rows,
        conflict="(account_id, dedup_key)",
        returning="dedup_key",
    )
    return {key for (key,) in inserted}


def _earliest_new(new_events: list[tuple[int, ValidEvent]]) -> dict[int, dt.datetime]:
    """Per service, the earliest instant among its new events."""
    earliest: dict[int, dt.datetime] = {}
    for service_id, event in new_events:
        first = earliest.get(service_id)
        if first is None or event.at < first:
            earliest[service_id] = event.at
    return earliest


@counted_ingest
def events_ingest(
    *, account, items: list, now: dt.datetime | None = None, known_services_only: bool = False
) -> IngestResult:
    """Store a batch of raw items (dicts as agents send them); see the module docstring.

    `known_services_only` (PostgreSQL, the ingest edge): raise UnknownService, having
    written nothing, instead of taking the general path when a path names no service yet,
    so that a caller without the request's full context (audit) can hand the push on."""
    now = now or timezone.now()
    result = IngestResult(received=len(items))
    valid, errors = events_validate(items, now=now)
    result.errors = errors
    valid = _batch_id_conflicts(account, valid, errors)
    if not valid:
        return result
    if is_postgres():
        try:
            found = ingest_statement(account=account, valid=valid, received_at=now)
        except UnknownService:
            if known_services_only:
                raise
            # new services: the general path below creates them
        else:
            result.new = sum(new for _, new in found.values())
            if result.new < len(valid):  # repeats or conflicts: only then look them up
                valid = _stored_id_conflicts(account, valid, errors)
            result.duplicates = len(valid) - result.new
            _notify_after_commit(account, {sid: first for sid, (first, _) in found.items()})
            errors.sort(key=lambda error: error["index"])
            return result
    with transaction.atomic():
        # Before services are created on first sight: a conflicting item creates none.
        valid = _stored_id_conflicts(account, valid, errors)
        valid, service_ids = _resolve_services(account, valid, errors, result)
        inserted = _insert_valid(account, valid, service_ids, now)
        result.new = len(inserted)
        if result.new < len(valid):  # a concurrent batch may have stored an id meanwhile
            valid = _stored_id_conflicts(account, valid, errors)
        result.duplicates = len(valid) - result.new
        earliest = _earliest_new(inserted)
        _mark_derived(account, earliest)
        _notify_after_commit(account, earliest)
    errors.sort(key=lambda error: error["index"])
    return result


# --------------------------------------------------------------------------- one id, one event
# An agent's `id` names one event of the account (whatever service it is for): the same id
# with the same service, instant and state again is a duplicate (the first message stays);
# with another service, instant or state it is a conflict, rejected on its own (nothing
# stored, no service created) with an entry naming `id` and the event the id already names.


def _content(event: ValidEvent) -> tuple:
    return (event.path, event.at, event.state)


def _conflict(errors: list, event: ValidEvent, stored: tuple, where: str) -> None:
    path, at, state = stored
    errors.append(
        {
            "index": event.index,
            "field": "id",
            "code": CONFLICT,
            "error": (
                f"conflict: id {event.event_id!r} already names the event {path} "
                f"{at.isoformat().replace('+00:00', 'Z')} {state} ({where}); an id names one "
                "event of the account: give this event an id of its own"
            ),
        }
    )


def _batch_id_conflicts(account, valid: list[ValidEvent], errors: list) -> list[ValidEvent]:
    """Items of one batch sharing an id with different content: those unlike the stored
    event of that id (or, if none, unlike the first of them) are conflicts. Looks anything
    up only when a batch repeats an id with different content (rare)."""
    with_id: dict[str, list[ValidEvent]] = {}
    for event in valid:
        if event.event_id is not None:
            with_id.setdefault(event.event_id, []).append(event)
    mixed = {key for key, events in with_id.items() if len(set(map(_content, events))) > 1}
    if not mixed:
        return valid
    stored = _stored_by_id(account, mixed)
    rejected = set()
    for event_id in sorted(mixed):
        events = with_id[event_id]
        if event_id in stored:
            reference, where = stored[event_id], "stored before"
        else:
            reference, where = _content(events[0]), f"item {events[0].index} of this batch"
        for event in events:
            if _content(event) != reference:
                _conflict(errors, event, reference, where)
                rejected.add(event.index)
    return [event for event in valid if event.index not in rejected]


def _stored_id_conflicts(account, valid: list[ValidEvent], errors: list) -> list[ValidEvent]:
    """Items whose id names a stored event of other content are conflicts."""
    ids = {event.event_id for event in valid if event.event_id is not None}
    if not ids:
        return valid
    stored = _stored_by_id(account, ids)
    kept = []
    for event in valid:
        found = stored.get(event.event_id) if event.event_id is not None else None
        if found is not None and found != _content(event):
            _conflict(errors, event, found, "stored before")
            continue
        kept.append(event)
    return kept


def _stored_by_id(account, ids: set[str]) -> dict[str, tuple]:
    """{agent id: (service path, at, state)} of the account's stored events with those ids."""
    keys = [f"id:{event_id}" for event_id in sorted(ids)]
    if is_postgres():  # one array parameter instead of thousands
        with bulk_cursor() as cursor:
            cursor.execute(
                f"SELECT e.dedup_key, s.path, e.at, e.state FROM {EVENT_TABLE} AS e "  # noqa: S608
                f"JOIN {SERVICE_TABLE} AS s ON s.id = e.service_id "
                "WHERE e.account_id = %s AND e.dedup_key = ANY(%b::text[])",
                [account.pk, keys],
            )
            rows = cursor.fetchall()
    else:
        rows = (
            StatusEvent.objects.for_account(account)
            .filter(dedup_key__in=keys)
            .values_list("dedup_key", "service__path", "at", "state")
        )
    return {key[3:]: (path, at, state) for key, path, at, state in rows}


def _insert_valid(account, valid, service_ids, now) -> list[tuple[int, ValidEvent]]:
    """Insert the events; (service id, event) of those that were new."""
    rows_by_key: dict[str, tuple[int, ValidEvent]] = {}
    keyed = []
    for event in valid:
        service_id = service_ids[event.path]
        key = dedup_key(event, service_id)
        rows_by_key.setdefault(key, (service_id, event))
        keyed.append((key, event.index, service_id, event))
    # Inserting in key order keeps concurrent batches from deadlocking on the unique index.
    keyed.sort(key=lambda row: (row[0], row[1]))
    rows = [
        (service_id, event.at, event.state, event.message, key, event.flapping)
        for key, _, service_id, event in keyed
    ]
    return [rows_by_key[key] for key in _insert_events(account, rows, now)]


def _mark_derived(account, earliest: dict[int, dt.datetime]) -> None:
    """Inside the ingest transaction, what the new events make stale: rollup marks
    (snapshots, incidents), stored SLA results of the services and their groups, time SLO
    buckets. The PostgreSQL statement (ingest_pg) does the same in its CTEs."""
    if not earliest:
        return
    marks_upsert(
        account=account,
        subject="service",
        marks={sid: (instant,) * 4 for sid, instant in earliest.items()},
    )
    period_results_mark_stale(account=account, changes=earliest)
    slos_mark_dirty_each(account=account, changes=earliest, kind=SLIKind.TIME)


def _notify_after_commit(account, earliest: dict[int, dt.datetime]) -> None:
    if earliest:
        transaction.on_commit(partial(history_changed_notify, account, earliest), robust=True)


def history_changed_notify(account, changes: dict[int, dt.datetime], sender=INGEST_SENDER):
    """After a commit: tell the other pipeline stages, and refresh incidents soon (inside a
    request, once the response is out). From ingestion (INGEST_SENDER) everything derived
    is marked already (`_mark_derived`), so the marking receivers skip it."""
    from sla.tasks import incidents_refresh_soon

    responses = status_history_changed.send_robust(sender=sender, account=account, changes=changes)
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "status_history_changed receiver %r failed: %r", receiver, response, exc_info=False
            )
    # In a request: once the answer is out (the agent need not wait for the dispatch).
    after_response(partial(incidents_refresh_soon, account_id=account.pk))
