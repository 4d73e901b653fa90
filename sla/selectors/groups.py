"""SLA groups as engine inputs: a group's derived state timeline and its downtimes, so a
group's SLA (and error budget) is evaluated exactly like a service's."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sla.engine import Event, Interval, Span
from sla.engine.groups import group_timeline_from_events, spans_to_events
from sla.models import Service, ServiceGroup
from sla.selectors.downtimes import downtime_index
from sla.selectors.history import histories


def group_and_descendant_ids(*, account, group_id: int) -> list[int]:
    """The group and every group nested below it (its members' members ...)."""
    parent_field = "parent" in {f.name for f in ServiceGroup._meta.get_fields()}
    found = [group_id]
    if not parent_field:
        return found
    level = [group_id]
    scoped = ServiceGroup.objects.for_account(account)
    while level:  # a tree is at most a few levels deep: one query per level
        level = list(scoped.filter(parent_id__in=level).values_list("id", flat=True))
        level = [item for item in level if item not in found]
        found.extend(level)
    return found


def group_members(*, account, group_ids) -> dict[int, list[int]]:
    """Member service ids per group id."""
    members: dict[int, list[int]] = defaultdict(list)
    rows = Service.objects.for_account(account).filter(group_id__in=group_ids)
    for service_id, group_id in rows.values_list("id", "group_id").order_by("id"):
        members[group_id].append(service_id)
    return members


def group_aggregations(*, account, group_ids) -> dict[int, tuple[str, int | None]]:
    """(aggregation, k) per group id; a k_of_n group without k counts as k=1."""
    rows = ServiceGroup.objects.for_account(account).filter(pk__in=group_ids)
    return {
        group_id: (aggregation, (k or 1) if aggregation == "k_of_n" else None)
        for group_id, aggregation, k in rows.values_list("id", "aggregation", "k")
    }


@dataclass
class GroupHistories:
    """The member histories of several groups, read in one go: each group's timeline is
    derived from them on demand."""

    members: dict[int, list[int]]
    aggregations: dict[int, tuple[str, int | None]]
    events: dict[int, list[Event]]

    def timeline(self, group_id: int, start: dt.datetime, end: dt.datetime) -> list[Span] | None:
        """The group's derived timeline over [start, end); None for a group deleted since."""
        if group_id not in self.aggregations:
            return None
        aggregation, k = self.aggregations[group_id]
        return group_timeline_from_events(
            [self.events[service_id] for service_id in self.members.get(group_id, [])],
            aggregation=aggregation,
            k=k,
            start=start,
            end=end,
        )


def group_histories(
    *, account, starts: dict[int, dt.datetime], end: dt.datetime | None = None
) -> GroupHistories:
    """Members, aggregations and member histories of the groups in `starts` (group id ->
    the instant its timeline is needed from), with three reads whatever the group count."""
    members = group_members(account=account, group_ids=list(starts))
    member_starts = {
        service_id: starts[group_id]
        for group_id, service_ids in members.items()
        for service_id in service_ids
    }
    return GroupHistories(
        members=members,
        aggregations=group_aggregations(account=account, group_ids=list(starts)),
        events=histories(account=account, starts=member_starts, end=end),
    )


def group_events_from_members(
    *, group: ServiceGroup, member_events: list[list[Event]], start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """The group's events derived from its members' events (each list holding the state
    in force at `start` too) with the group's aggregation."""
    k = (group.k or 1) if group.aggregation == "k_of_n" else None
    timeline = group_timeline_from_events(
        member_events, aggregation=group.aggregation, k=k, start=start, end=end
    )
    return spans_to_events(timeline)


def group_events(
    *, account, group: ServiceGroup, start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """The group's state changes in [start, end) (its state at `start` included), derived
    from its members with its aggregation; before any member reports there is no event."""
    members = group_members(account=account, group_ids=[group.pk]).get(group.pk, [])
    events = histories(account=account, starts=dict.fromkeys(members, start), end=end)
    return group_events_from_members(
        group=group, member_events=[events[member] for member in members], start=start, end=end
    )


def group_downtime_intervals(
    *, account, group: ServiceGroup, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """The group's own and account-wide downtimes overlapping [start, end)."""
    return downtime_index(account=account, start=start, end=end).for_group(group.pk, start, end)


def group_engine_inputs(*, account, group: ServiceGroup, start: dt.datetime, end: dt.datetime):
    """(events, downtimes) for `sla.engine.evaluate` on the group's derived timeline."""
    return (
        group_events(account=account, group=group, start=start, end=end),
        group_downtime_intervals(account=account, group=group, start=start, end=end),
    )
