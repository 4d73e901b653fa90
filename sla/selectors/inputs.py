"""Engine inputs from stored rows: a service's events and downtimes over a range."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q

from sla.engine import Event, Interval
from sla.models import Downtime, Recurrence, Service, StatusEvent


def service_events(*, account, service: Service, start: dt.datetime, end: dt.datetime) -> list:
    """Events in [start, end) plus those at the last instant before `start`.

    The engine needs the state in force at `start`; all events of that instant are kept so
    the worse one wins, as the semantics demand.
    """
    scoped = StatusEvent.objects.for_account(account).filter(service=service)
    last_before = scoped.filter(at__lt=start).order_by("-at").values_list("at", flat=True)[:1]
    window = Q(at__gte=start, at__lt=end)
    if last_before:
        window |= Q(at=last_before[0])
    rows = scoped.filter(window).order_by("at").values_list("at", "state")
    return [Event(at=at, state=state) for at, state in rows]


def _downtimes_for(account, service: Service, start: dt.datetime, end: dt.datetime):
    applies = Q(service=service) | Q(service__isnull=True, group__isnull=True)
    if service.group_id:
        applies |= Q(group_id=service.group_id)
    overlapping = Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    return Downtime.objects.for_account(account).filter(applies, overlapping)


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


def downtime_intervals(
    *, account, service: Service, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """Downtime intervals (service, its group, or account-wide) overlapping [start, end)."""
    intervals = []
    for downtime in _downtimes_for(account, service, start, end):
        if downtime.recurrence == Recurrence.WEEKLY:
            intervals.extend(weekly_windows(downtime, start, end))
        else:
            intervals.append(Interval(start=downtime.start, end=downtime.end))
    return sorted(intervals, key=lambda interval: interval.start)
