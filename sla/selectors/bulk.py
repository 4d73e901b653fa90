"""Engine inputs for many services at once, streamed service by service.

Events come from one cursor ordered by (service, time), so memory holds one service's
events at a time whatever the number of services or periods. Instants travel as epoch
microseconds (the engine's own unit). On PostgreSQL they arrive as integers straight from
the wire: a binary timestamptz is an int64 of microseconds since 2000-01-01 UTC, so the
query shifts each instant by the 30 years from 1970 to 2000 and psycopg's C int8 loader
reads it as microseconds since 1970; no datetime and no numeric is built per row.
Elsewhere they are converted in Python.
"""

import datetime as dt
import queue
import threading
from collections.abc import Iterator
from itertools import chain, count, groupby
from operator import itemgetter

from django.db import connection
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

from sla.engine import EventTimes, IntervalTimes
from sla.engine.instants import to_micros
from sla.models import Service, StatusEvent
from sla.selectors.downtimes import downtime_index_micros

EVENT_CHUNK = 20_000
_cursor_numbers = count(1)
BADNESS = Case(
    When(state="CRIT", then=Value(3)),
    When(state="UNKNOWN", then=Value(2)),
    When(state="WARN", then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)

# The events of the range plus, per service, those at the last instant before it (the
# state in force at `start`; the engine lets the worst of simultaneous events win). One
# index range scan per service, already in (service, time) order: no sort of all rows.
POSTGRES_EVENTS = """
    SELECT e.service_id, e.at + interval '946684800 seconds', e.state{flag_column}
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS s(id, position)
    CROSS JOIN LATERAL (
        SELECT max(at) AS t FROM {events} WHERE service_id = s.id AND at < %(start)s
    ) AS last
    CROSS JOIN LATERAL (
        SELECT service_id, at, state, flapping FROM {events}
        WHERE service_id = s.id AND account_id = %(account)s
          AND at >= COALESCE(last.t, %(start)s) AND at < %(end)s
        ORDER BY at
    ) AS e
    ORDER BY s.position
"""


def _binary_chunks(raw, sql: str, params: dict) -> Iterator[list[tuple]]:
    """Rows of `sql` in chunks from a binary server-side cursor on the psycopg connection
    `raw` (Django's, so inside its transaction), timestamptz columns loaded as the raw
    int64 of the wire."""
    from psycopg.types.numeric import Int8BinaryLoader

    name = f"sla_bulk_{next(_cursor_numbers)}"
    # Outside a transaction the cursor must outlive the implicit one (as Django does).
    with raw.cursor(name=name, binary=True, withhold=raw.autocommit) as cursor:
        cursor.adapters.register_loader("timestamptz", Int8BinaryLoader)
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(EVENT_CHUNK):
            yield rows


def _read_ahead(chunks: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    """`chunks`, each fetched by a helper thread while the caller works on the previous
    one, so the database and the evaluation overlap (the thread waits on the socket with
    the GIL released). At most two chunks wait in memory. psycopg serialises the use of
    the shared connection; the thread is joined (its cursor closed) before this returns,
    also when the caller stops early or the reading fails."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_END)
        except BaseException as error:  # handed to the caller, raised there
            offer(error)
        finally:
            chunks.close()

    reader = threading.Thread(target=produce, name="sla-bulk-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := handoff.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


_END = object()


def _postgres_events(account, service_ids, start, end, flags) -> Iterator[tuple]:
    sql = POSTGRES_EVENTS.format(
        events=StatusEvent._meta.db_table, flag_column=", e.flapping" if flags else ""
    )
    params = {"ids": service_ids, "start": start, "end": end, "account": account.pk}
    connection.ensure_connection()
    chunks = _binary_chunks(connection.connection, sql, params)
    return chain.from_iterable(_read_ahead(chunks))


def _initial_events(account, service_ids, start, flags) -> Iterator[tuple]:
    """Per service, the worst of its events at its last instant before `start`."""
    last = (
        StatusEvent.objects.filter(service=OuterRef("pk"), at__lt=start)
        .annotate(badness=BADNESS)
        .order_by("-at", "-badness")
    )
    rows = (
        Service.objects.for_account(account)
        .filter(pk__in=service_ids)
        .annotate(
            initial_at=Subquery(last.values("at")[:1]),
            initial_state=Subquery(last.values("state")[:1]),
        )
        .filter(initial_at__isnull=False)
        .values_list("pk", "initial_at", "initial_state")
    )
    for service_id, at, state in rows:
        # The initial row's own flag does not matter: flags_before carries the one in force.
        yield (
            (service_id, to_micros(at), state, None)
            if flags
            else (service_id, to_micros(at), state)
        )


def _portable_events(account, service_ids, start, end, flags) -> Iterator[tuple]:
    initial = {row[0]: row for row in _initial_events(account, service_ids, start, flags)}
    columns = ("service_id", "at", "state", "flapping") if flags else ("service_id", "at", "state")
    rows = (
        StatusEvent.objects.for_account(account)
        .filter(service_id__in=service_ids, at__gte=start, at__lt=end)
        .order_by("service_id", "at")
        .values_list(*columns)
        .iterator(chunk_size=EVENT_CHUNK)
    )
    emitted = set()
    for service_id, at, *rest in rows:
        if service_id not in emitted:
            emitted.add(service_id)
            yield from _earlier_initials(initial, service_id, emitted)
        yield service_id, to_micros(at), *rest
    yield from _earlier_initials(initial, None, emitted)


def _earlier_initials(initial: dict, up_to, emitted: set):
    """Initial rows of services up to `up_to` (all if None), keeping (service) order."""
    for service_id in sorted(initial):
        if up_to is not None and service_id > up_to:
            break
        row = initial.pop(service_id)
        emitted.add(service_id)
        yield row


def _downtimes_by_service(account, services, start, end) -> dict[int, IntervalTimes]:
    index = downtime_index_micros(account=account, start=start, end=end)
    return {
        service.pk: IntervalTimes(index.for_service(service.pk, service.group_id))
        for service in services
    }


def services_inputs(
    *,
    account,
    services: list[Service],
    start: dt.datetime,
    end: dt.datetime,
    flags: bool = False,
) -> Iterator[tuple[Service, EventTimes, IntervalTimes]]:
    """(service, events, downtimes) per service in id order: the events of [start, end)
    and the state in force at `start`, the downtimes overlapping [start, end). With
    `flags` (an SLA that considers flapping) the events carry their flap flags and the
    flag in force at `start`; without, the flag column is not even read."""
    services = sorted(services, key=lambda service: service.pk)
    service_ids = [service.pk for service in services]
    downtimes = _downtimes_by_service(account, services, start, end)
    reader = _postgres_events if connection.vendor == "postgresql" else _portable_events
    carried = _flags_in_force(account, service_ids, start) if flags else {}
    # groupby and map(itemgetter) run in C: a few hundred thousand rows cost little beyond
    # the fetch itself.
    groups = groupby(reader(account, service_ids, start, end, flags), key=itemgetter(0))
    current = next(groups, None)
    pair = itemgetter(1, 2)
    for service in services:
        rows = []
        if current is not None and current[0] == service.pk:
            rows = list(current[1])
            current = next(groups, None)
        if not flags:
            yield service, EventTimes(list(map(pair, rows))), downtimes[service.pk]
            continue
        service_flags = [(row[1], row[3]) for row in rows if row[3] is not None]
        if service.pk in carried:
            service_flags.append(carried[service.pk])
        events = EventTimes(list(map(pair, rows)), service_flags)
        yield service, events, downtimes[service.pk]


def _flags_in_force(account, service_ids, start) -> dict[int, tuple[int, bool]]:
    from sla.selectors.history import flags_before

    found = flags_before(account=account, starts=dict.fromkeys(service_ids, start))
    return {sid: (to_micros(at), flag) for sid, (at, flag) in found.items()}
