"""Engine inputs for many services at once, streamed service by service.

Events come from one cursor ordered by (service, time), so memory holds one service's
events at a time whatever the number of services or periods. Instants travel as epoch
microseconds (the engine's own unit): on PostgreSQL the database computes them, which
spares a datetime object per row; elsewhere they are converted in Python.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter

from django.db import connection
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

from sla.engine import EventTimes, IntervalTimes
from sla.engine.instants import to_micros
from sla.models import Downtime, Recurrence, Service, StatusEvent
from sla.selectors.inputs import weekly_windows

EVENT_CHUNK = 20_000
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
    SELECT e.service_id, (EXTRACT(EPOCH FROM e.at) * 1000000)::bigint, e.state
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS s(id, position)
    CROSS JOIN LATERAL (
        SELECT max(at) AS t FROM {events} WHERE service_id = s.id AND at < %(start)s
    ) AS last
    CROSS JOIN LATERAL (
        SELECT service_id, at, state FROM {events}
        WHERE service_id = s.id AND account_id = %(account)s
          AND at >= COALESCE(last.t, %(start)s) AND at < %(end)s
        ORDER BY at
    ) AS e
    ORDER BY s.position
"""
POSTGRES_ONE_OFF_DOWNTIMES = """
    SELECT service_id, group_id, (EXTRACT(EPOCH FROM start) * 1000000)::bigint,
           (EXTRACT(EPOCH FROM "end") * 1000000)::bigint
    FROM {downtimes}
    WHERE account_id = %(account)s AND recurrence = 'once' AND start < %(end)s
      AND "end" > %(start)s
"""


def _stream(sql: str, params: dict) -> Iterator[tuple]:
    return chain.from_iterable(_chunks(sql, params))


def _chunks(sql: str, params: dict) -> Iterator[list[tuple]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(EVENT_CHUNK):
            yield rows


def _postgres_events(account, service_ids, start, end) -> Iterator[tuple[int, int, str]]:
    sql = POSTGRES_EVENTS.format(events=StatusEvent._meta.db_table)
    params = {"ids": service_ids, "start": start, "end": end, "account": account.pk}
    return _stream(sql, params)


def _initial_events(account, service_ids, start) -> Iterator[tuple[int, int, str]]:
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
        yield service_id, to_micros(at), state


def _portable_events(account, service_ids, start, end) -> Iterator[tuple[int, int, str]]:
    initial = {row[0]: row for row in _initial_events(account, service_ids, start)}
    rows = (
        StatusEvent.objects.for_account(account)
        .filter(service_id__in=service_ids, at__gte=start, at__lt=end)
        .order_by("service_id", "at")
        .values_list("service_id", "at", "state")
        .iterator(chunk_size=EVENT_CHUNK)
    )
    emitted = set()
    for service_id, at, state in rows:
        if service_id not in emitted:
            emitted.add(service_id)
            yield from _earlier_initials(initial, service_id, emitted)
        yield service_id, to_micros(at), state
    yield from _earlier_initials(initial, None, emitted)


def _earlier_initials(initial: dict, up_to, emitted: set):
    """Initial rows of services up to `up_to` (all if None), keeping (service) order."""
    for service_id in sorted(initial):
        if up_to is not None and service_id > up_to:
            break
        row = initial.pop(service_id)
        emitted.add(service_id)
        yield row


def _one_off_downtimes(account, start, end) -> Iterable[tuple]:
    if connection.vendor == "postgresql":
        sql = POSTGRES_ONE_OFF_DOWNTIMES.format(downtimes=Downtime._meta.db_table)
        return _stream(sql, {"account": account.pk, "start": start, "end": end})
    rows = (
        Downtime.objects.for_account(account)
        .filter(recurrence=Recurrence.ONCE, start__lt=end, end__gt=start)
        .values_list("service_id", "group_id", "start", "end")
    )
    return (
        (service_id, group_id, to_micros(begin), to_micros(finish))
        for service_id, group_id, begin, finish in rows.iterator(chunk_size=EVENT_CHUNK)
    )


def _downtime_rows(account, start, end) -> Iterator[tuple]:
    """(service id, group id, [(start, end) micros]) per downtime overlapping the range."""
    for service_id, group_id, begin, finish in _one_off_downtimes(account, start, end):
        yield service_id, group_id, [(begin, finish)]
    weekly = Downtime.objects.for_account(account).filter(
        Q(end__isnull=True) | Q(end__gt=start), recurrence=Recurrence.WEEKLY, start__lt=end
    )
    for downtime in weekly:
        windows = weekly_windows(downtime, start, end)
        pairs = [(to_micros(window.start), to_micros(window.end)) for window in windows]
        yield downtime.service_id, downtime.group_id, pairs


def _downtimes_by_service(account, services, start, end) -> dict[int, IntervalTimes]:
    by_service: dict[int, list] = defaultdict(list)
    by_group: dict[int, list] = defaultdict(list)
    account_wide: list = []
    for service_id, group_id, pairs in _downtime_rows(account, start, end):
        if service_id:
            by_service[service_id].extend(pairs)
        elif group_id:
            by_group[group_id].extend(pairs)
        else:
            account_wide.extend(pairs)
    return {
        service.pk: IntervalTimes(
            [*by_service.get(service.pk, ()), *by_group.get(service.group_id, ()), *account_wide]
        )
        for service in services
    }


def services_inputs(
    *, account, services: list[Service], start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[Service, EventTimes, IntervalTimes]]:
    """(service, events, downtimes) per service in id order: the events of [start, end)
    and the state in force at `start`, the downtimes overlapping [start, end)."""
    services = sorted(services, key=lambda service: service.pk)
    service_ids = [service.pk for service in services]
    downtimes = _downtimes_by_service(account, services, start, end)
    reader = _postgres_events if connection.vendor == "postgresql" else _portable_events
    # groupby runs in C: a few hundred thousand rows cost little beyond the fetch itself.
    groups = groupby(reader(account, service_ids, start, end), key=itemgetter(0))
    current = next(groups, None)
    for service in services:
        events = []
        if current is not None and current[0] == service.pk:
            events = [(micros, state) for _, micros, state in current[1]]
            current = next(groups, None)
        yield service, EventTimes(events), downtimes[service.pk]
