"""Downtime intervals of services and groups: one query per range, then lookups by subject.

The one place that says which downtimes apply to what: a service is in downtime during its
own downtimes, its group's and account-wide ones; a group during its own and account-wide
ones. Weekly downtimes are expanded into their occurrences here too.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q

from sla.engine import Interval
from sla.engine.instants import to_micros
from sla.models import Downtime, Recurrence


def weekly_windows(downtime: Downtime, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """Occurrences of a weekly downtime overlapping [start, end), clipped to its validity."""
    zone = ZoneInfo(downtime.timezone)
    valid_from = max(start, downtime.start)
    valid_to = min(end, downtime.end) if downtime.end else end
    if valid_from >= valid_to:
        return []
    duration = dt.timedelta(minutes=downtime.duration_minutes)
    # A window may start up to `duration` before the range and still overlap it.
    first_day = (valid_from - duration).astimezone(zone).date() - dt.timedelta(days=1)
    last_day = valid_to.astimezone(zone).date()
    windows = []
    day = first_day
    while day <= last_day:
        if day.weekday() in downtime.weekdays:
            local_start = dt.datetime.combine(day, downtime.time_from, tzinfo=zone)
            window_start = local_start.astimezone(dt.UTC)
            window_end = window_start + duration
            clipped_start, clipped_end = max(window_start, valid_from), min(window_end, valid_to)
            if clipped_start < clipped_end:
                windows.append(Interval(start=clipped_start, end=clipped_end))
        day += dt.timedelta(days=1)
    return windows


@dataclass
class DowntimeIndex:
    """The account's downtime intervals overlapping [start, end), by subject.

    Built once per range (one query); each lookup is a dictionary access, so asking for
    thousands of services costs no more queries and no scan of every downtime.
    """

    start: dt.datetime
    end: dt.datetime
    by_service: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    by_group: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    account_wide: list[Interval] = field(default_factory=list)

    def add(self, service_id: int | None, group_id: int | None, intervals: list[Interval]):
        if service_id:
            self.by_service[service_id].extend(intervals)
        elif group_id:
            self.by_group[group_id].extend(intervals)
        else:
            self.account_wide.extend(intervals)

    def _clipped(self, intervals, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        kept = [interval for interval in intervals if interval.start < end and interval.end > start]
        if isinstance(self.start, int):
            return sorted(kept)  # MicrosInterval tuples order by (start, end) natively
        return sorted(kept, key=lambda interval: (interval.start, interval.end))

    def for_service(
        self, service_id: int, group_id: int | None, start=None, end=None
    ) -> list[Interval]:
        """Downtimes of a service (own, its group's, account-wide) overlapping the range
        (default: the index's range)."""
        intervals = [
            *self.by_service.get(service_id, ()),
            *(self.by_group.get(group_id, ()) if group_id else ()),
            *self.account_wide,
        ]
        return self._clipped(intervals, start or self.start, end or self.end)

    def for_group(self, group_id: int, start=None, end=None) -> list[Interval]:
        """Downtimes of a group (own and account-wide) overlapping the range."""
        intervals = [*self.by_group.get(group_id, ()), *self.account_wide]
        return self._clipped(intervals, start or self.start, end or self.end)


def downtime_index(*, account, start: dt.datetime, end: dt.datetime) -> DowntimeIndex:
    """Every downtime of the account overlapping [start, end), expanded and indexed.

    One-off downtimes are read as tuples (there can be tens of thousands); only weekly
    ones, which need expanding, become model instances.
    """
    index = DowntimeIndex(start=start, end=end)
    overlapping = Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    scoped = Downtime.objects.for_account(account).filter(overlapping)
    once = scoped.filter(recurrence=Recurrence.ONCE).values_list(
        "service_id", "group_id", "start", "end"
    )
    for service_id, group_id, begin, finish in once.iterator(chunk_size=10_000):
        index.add(service_id, group_id, [Interval(start=begin, end=finish)])
    for downtime in scoped.filter(recurrence=Recurrence.WEEKLY):
        index.add(downtime.service_id, downtime.group_id, weekly_windows(downtime, start, end))
    return index


class MicrosInterval(NamedTuple):
    """A downtime interval as epoch microseconds (the engine's bulk unit)."""

    start: int
    end: int


_POSTGRES_ONCE_MICROS = """
    SELECT service_id, group_id, (EXTRACT(EPOCH FROM start) * 1000000)::bigint,
           (EXTRACT(EPOCH FROM "end") * 1000000)::bigint
    FROM {table}
    WHERE account_id = %s AND recurrence = %s AND start < %s AND ("end" IS NULL OR "end" > %s)
""".replace("{table}", Downtime._meta.db_table)


def downtime_index_micros(*, account, start: dt.datetime, end: dt.datetime) -> DowntimeIndex:
    """`downtime_index` with every instant as epoch microseconds: the intervals are
    MicrosInterval and the index's own range too, so `for_service`/`for_group` give
    (start, end) integer pairs, for bulk readers that feed the engine integers. On
    PostgreSQL the database computes the integers of the one-off downtimes, which spares
    two datetime objects per row (there can be tens of thousands)."""
    if connection.vendor != "postgresql":
        index = downtime_index(account=account, start=start, end=end)
        micros = DowntimeIndex(start=to_micros(start), end=to_micros(end))
        for target, source in (
            (micros.by_service, index.by_service),
            (micros.by_group, index.by_group),
        ):
            for key, intervals in source.items():
                target[key] = [_micros(interval) for interval in intervals]
        micros.account_wide = [_micros(interval) for interval in index.account_wide]
        return micros
    index = DowntimeIndex(start=to_micros(start), end=to_micros(end))
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRES_ONCE_MICROS, [account.pk, Recurrence.ONCE, end, start])
        for service_id, group_id, begin, finish in cursor.fetchall():
            index.add(service_id, group_id, [MicrosInterval(begin, finish)])
    overlapping = Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    weekly = Downtime.objects.for_account(account).filter(overlapping, recurrence=Recurrence.WEEKLY)
    for downtime in weekly:
        windows = weekly_windows(downtime, start, end)
        index.add(downtime.service_id, downtime.group_id, [_micros(window) for window in windows])
    return index


def _micros(interval: Interval) -> MicrosInterval:
    return MicrosInterval(to_micros(interval.start), to_micros(interval.end))
