"""SLA groups as engine inputs: a group's derived state timeline and its downtimes, so a
group's SLA (and error budget) is evaluated exactly like a service's."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sla.engine import Event, Interval, Span, state_timeline
from sla.engine.groups import group_timeline, group_timeline_from_events, spans_to_events
from sla.models import Service, ServiceGroup
from sla.models.services import MAX_GROUP_DEPTH
from sla.selectors.downtimes import downtime_index
from sla.selectors.history import histories


def group_parents(*, account) -> dict[int, int | None]:
    """Parent group id per group id of the account (one query; accounts have few groups)."""
    return dict(ServiceGroup.objects.for_account(account).values_list("id", "parent_id"))


def _children(parents: dict[int, int | None]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for group_id, parent_id in sorted(parents.items()):
        if parent_id is not None:
            children[parent_id].append(group_id)
    return children


def descendants(group_ids, parents: dict[int, int | None]) -> list[int]:
    """The groups and every group nested below them, each once (a cycle, which validation
    refuses, would simply end the walk)."""
    children = _children(parents)
    found = list(dict.fromkeys(group_ids))
    seen = set(found)
    index = 0
    while index < len(found):
        for child in children.get(found[index], ()):
            if child not in seen:
                seen.add(child)
                found.append(child)
        index += 1
    return found


def ancestors(group_ids, parents: dict[int, int | None]) -> list[int]:
    """The groups and every group above them (parents, their parents ...), each once."""
    found = list(dict.fromkeys(group_id for group_id in group_ids if group_id))
    seen = set(found)
    for group_id in list(found):
        current = parents.get(group_id)
        while current is not None and current not in seen:
            seen.add(current)
            found.append(current)
            current = parents.get(current)
    return found


def group_and_descendant_ids(*, account, group_id: int) -> list[int]:
    """The group and every group nested below it (its members' members ...)."""
    return descendants([group_id], group_parents(account=account))


def group_and_ancestor_ids(*, account, group_ids) -> list[int]:
    """The groups and every group they are nested in: whose derived timeline they feed."""
    ids = [group_id for group_id in group_ids if group_id]
    if not ids:
        return []
    return ancestors(ids, group_parents(account=account))


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
    children: dict[int, list[int]] = None  # child groups per group (a BI tree)
    # Derived timelines by (group, start, end): in a tree a child group's timeline is also
    # a member of its parent's, so without this each level would derive it again.
    derived: dict[tuple, list[Span] | None] = field(default_factory=dict)

    def timeline(
        self, group_id: int, start: dt.datetime, end: dt.datetime, depth: int = 0
    ) -> list[Span] | None:
        """The group's derived timeline over [start, end) from its direct members: its
        services and its child groups (their own derived timelines); None for a group
        deleted since."""
        key = (group_id, start, end)
        if key not in self.derived:
            self.derived[key] = self._derive(group_id, start, end, depth)
        spans = self.derived[key]
        return None if spans is None else list(spans)

    def _derive(
        self, group_id: int, start: dt.datetime, end: dt.datetime, depth: int
    ) -> list[Span] | None:
        if group_id not in self.aggregations or depth > MAX_GROUP_DEPTH:
            return None
        aggregation, k = self.aggregations[group_id]
        members = [
            state_timeline(self.events.get(service_id, []), start, end)
            for service_id in self.members.get(group_id, [])
        ]
        for child in (self.children or {}).get(group_id, []):
            spans = self.timeline(child, start, end, depth + 1)
            if spans is not None:
                members.append(spans)
        return group_timeline(members, aggregation=aggregation, k=k, start=start, end=end)


def group_histories(
    *, account, starts: dict[int, dt.datetime], end: dt.datetime | None = None
) -> GroupHistories:
    """Members, aggregations and member histories of the groups in `starts` (group id ->
    the instant its timeline is needed from) and of every group nested below them, with
    four reads whatever the group count."""
    parents = group_parents(account=account) if starts else {}
    tree_starts = dict(starts)
    for group_id, start in sorted(starts.items(), key=lambda item: item[1]):
        for nested in descendants([group_id], parents):
            if nested not in tree_starts or start < tree_starts[nested]:
                tree_starts[nested] = start
    members = group_members(account=account, group_ids=list(tree_starts))
    member_starts: dict[int, dt.datetime] = {}
    for group_id, service_ids in members.items():
        for service_id in service_ids:
            start = tree_starts[group_id]
            if service_id not in member_starts or start < member_starts[service_id]:
                member_starts[service_id] = start
    return GroupHistories(
        members=members,
        aggregations=group_aggregations(account=account, group_ids=list(tree_starts)),
        events=histories(account=account, starts=member_starts, end=end),
        children=_children(parents),
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
    from its members (services and nested groups) with its aggregation; before any member
    reports there is no event."""
    found = group_histories(account=account, starts={group.pk: start}, end=end)
    return spans_to_events(found.timeline(group.pk, start, end) or [])


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
