"""Engine inputs for SLO buckets: events and downtimes of services and derived SLA groups.

`group_events_derived` turns member events into the group's event list (worst by default,
honouring ServiceGroup.aggregation and k). It is deliberately small and self-contained so
it can be swapped for the shared group-timeline functions of sla/engine/groups.py.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Max, Q

from sla.engine import CRIT, OK, STATE_BADNESS, Event, Interval
from sla.models import Aggregation, Downtime, Recurrence, Service, ServiceGroup, StatusEvent
from sla.selectors.inputs import weekly_windows


def events_by_service(
    *, account, service_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Event]]:
    """Events of many services in [start, end) plus, per service, all events at its last
    instant before `start` (the state in force at `start`). Three queries in all."""
    result: dict[int, list[Event]] = defaultdict(list)
    if not service_ids:
        return result
    scoped = StatusEvent.objects.for_account(account).filter(service_id__in=service_ids)
    last_before = dict(
        scoped.filter(at__lt=start)
        .values("service_id")
        .annotate(last=Max("at"))
        .values_list("service_id", "last")
    )
    if last_before:
        rows = scoped.filter(at__in=set(last_before.values())).values_list(
            "service_id", "at", "state"
        )
        for service_id, at, state in rows:
            if last_before.get(service_id) == at:
                result[service_id].append(Event(at=at, state=state))
    rows = (
        scoped.filter(at__gte=start, at__lt=end)
        .order_by("at")
        .values_list("service_id", "at", "state")
    )
    for service_id, at, state in rows:
        result[service_id].append(Event(at=at, state=state))
    return result


def _member_state(states: dict[int, str], aggregation: str, k: int | None) -> str | None:
    if not states:
        return None  # no member monitored yet: the group is unmonitored too
    values = states.values()
    if aggregation == Aggregation.BEST:
        return min(values, key=STATE_BADNESS.__getitem__)
    if aggregation == Aggregation.K_OF_N:
        ok_members = sum(1 for state in values if state == OK)
        return OK if ok_members >= (k or 1) else CRIT
    return max(values, key=STATE_BADNESS.__getitem__)


def group_events_derived(
    *, member_events: dict[int, list[Event]], aggregation: str = Aggregation.WORST, k=None
) -> list[Event]:
    """The group's events: at every instant a member changes, the aggregate of the states
    members are in (members not yet monitored are left out; none monitored: no event)."""
    merged = sorted(
        (event.at, STATE_BADNESS[event.state], member, event.state)
        for member, events in member_events.items()
        for event in events
    )
    states: dict[int, str] = {}
    derived: list[Event] = []
    index = 0
    while index < len(merged):
        instant = merged[index][0]
        while index < len(merged) and merged[index][0] == instant:
            _, _, member, state = merged[index]
            states[member] = state  # sorted by badness: the worst at an instant wins
            index += 1
        state = _member_state(states, aggregation, k)
        if state is not None and (not derived or derived[-1].state != state):
            derived.append(Event(at=instant, state=state))
    return derived


def group_members(*, account, group: ServiceGroup) -> list[int]:
    return list(
        Service.objects.for_account(account).filter(group=group).values_list("pk", flat=True)
    )


def group_events(
    *, account, group: ServiceGroup, start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """The derived event list of a group over [start, end) (state at `start` included)."""
    members = group_members(account=account, group=group)
    member_events = events_by_service(account=account, service_ids=members, start=start, end=end)
    return group_events_derived(
        member_events=member_events, aggregation=group.aggregation, k=group.k
    )


def _intervals(downtime: Downtime, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    if downtime.recurrence == Recurrence.WEEKLY:
        return weekly_windows(downtime, start, end)
    return [Interval(start=downtime.start, end=downtime.end)]


def downtimes_by_subject(
    *, account, start: dt.datetime, end: dt.datetime
) -> tuple[dict, dict, list[Interval]]:
    """All downtimes of an account overlapping [start, end) in one query:
    (by service id, by group id, account-wide)."""
    overlapping = Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    by_service: dict[int, list[Interval]] = defaultdict(list)
    by_group: dict[int, list[Interval]] = defaultdict(list)
    everywhere: list[Interval] = []
    for downtime in Downtime.objects.for_account(account).filter(overlapping):
        intervals = _intervals(downtime, start, end)
        if downtime.service_id:
            by_service[downtime.service_id].extend(intervals)
        elif downtime.group_id:
            by_group[downtime.group_id].extend(intervals)
        else:
            everywhere.extend(intervals)
    return by_service, by_group, everywhere


def group_downtime_intervals(
    *, account, group: ServiceGroup, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """Downtimes of the group itself and account-wide ones overlapping [start, end)."""
    _, by_group, everywhere = downtimes_by_subject(account=account, start=start, end=end)
    return sorted([*by_group.get(group.pk, []), *everywhere], key=lambda item: item.start)
