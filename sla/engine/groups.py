"""SLA groups: a group's state at every instant, derived from its members (pure Python).

Like a Checkmk BI aggregation, a group's state is a function of its members' states at
the same instant:

- ``worst`` (default): the worst monitored member state (``OK`` < ``WARN`` < ``UNKNOWN``
  < ``CRIT``);
- ``best``: the best monitored member state;
- ``k_of_n``: ``OK`` while at least ``k`` members are ``OK``, else ``CRIT`` (a member that is
  not yet monitored is not ``OK``).

A member before its first event is ``UNMONITORED`` and does not count for ``worst`` and
``best``; the group itself is ``UNMONITORED`` while none of its members is monitored.
The result does not depend on the order of the members or of their events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from .buckets import from_micros, to_micros
from .periods import require_aware
from .states import CRIT, OK, STATE_BADNESS, STATES, UNMONITORED
from .timeline import state_timeline
from .types import Event, Span

WORST = "worst"
BEST = "best"
K_OF_N = "k_of_n"
AGGREGATIONS = (WORST, BEST, K_OF_N)

_BY_BADNESS = sorted(STATES, key=STATE_BADNESS.__getitem__)  # OK, WARN, UNKNOWN, CRIT


def check_aggregation(aggregation: str, k: int | None) -> None:
    """Raise ValueError for an unknown aggregation or a k_of_n without a usable k."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; one of {', '.join(AGGREGATIONS)}")
    if aggregation == K_OF_N and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
        raise ValueError("k_of_n needs k, an integer of at least 1")


def _aggregate_counts(counts: dict[str, int], members: int, aggregation: str, k) -> str:
    if counts[UNMONITORED] == members:
        return UNMONITORED
    if aggregation == K_OF_N:
        return OK if counts[OK] >= k else CRIT
    ordered = _BY_BADNESS if aggregation == BEST else reversed(_BY_BADNESS)
    return next(state for state in ordered if counts[state])


def aggregate_states(states: Sequence[str], aggregation: str, k: int | None = None) -> str:
    """The group state for member states at one instant (``UNMONITORED`` allowed)."""
    check_aggregation(aggregation, k)
    counts = dict.fromkeys((*STATES, UNMONITORED), 0)
    for state in states:
        counts[state] += 1
    return _aggregate_counts(counts, len(states), aggregation, k)


def _member_changes(index: int, spans: Iterable[Span], low: int, high: int):
    """(instant, member, state) at each span start inside [low, high); gaps are unmonitored."""
    changes = []
    position = low
    for span in sorted(spans, key=lambda item: item.start):
        start, end = max(to_micros(span.start), low), min(to_micros(span.end), high)
        if start >= end:
            continue
        if start > position:
            changes.append((position, index, UNMONITORED))
        changes.append((start, index, span.raw_state))
        position = end
    if position < high:
        changes.append((position, index, UNMONITORED))
    return changes


def group_timeline(
    members: Sequence[Iterable[Span]],
    *,
    aggregation: str,
    k: int | None = None,
    start: datetime,
    end: datetime,
) -> list[Span]:
    """The group's state spans over ``[start, end)`` from its members' raw-state spans.

    Each member's spans should cover ``[start, end)`` (as :func:`state_timeline` gives);
    uncovered time counts as ``UNMONITORED``. Touching spans of one state are merged.
    """
    check_aggregation(aggregation, k)
    require_aware(start, "start")
    require_aware(end, "end")
    low, high = to_micros(start), to_micros(end)
    if low >= high:
        return []
    changes = []
    for index, spans in enumerate(members):
        changes.extend(_member_changes(index, spans, low, high))
    changes.sort(key=lambda change: change[0])
    member_states = [UNMONITORED] * len(members)
    counts = dict.fromkeys((*STATES, UNMONITORED), 0)
    counts[UNMONITORED] = len(members)
    result: list[list] = []
    position = 0
    while position < len(changes) or not result:
        instant = changes[position][0] if position < len(changes) else low
        while position < len(changes) and changes[position][0] == instant:
            _, member, state = changes[position]
            counts[member_states[member]] -= 1
            counts[state] += 1
            member_states[member] = state
            position += 1
        state = _aggregate_counts(counts, len(members), aggregation, k)
        if result and result[-1][2] == state:
            continue
        if result:
            result[-1][1] = instant
        result.append([instant, high, state])
    return [Span(from_micros(s), from_micros(e), state, state) for s, e, state in result]


def group_timeline_from_events(
    member_events: Sequence[Iterable[Event]],
    *,
    aggregation: str,
    k: int | None = None,
    start: datetime,
    end: datetime,
) -> list[Span]:
    """:func:`group_timeline` from each member's events (any order; state at ``start`` is
    taken from the member's last event before it, so pass that event too)."""
    timelines = [state_timeline(events, start, end) for events in member_events]
    return group_timeline(timelines, aggregation=aggregation, k=k, start=start, end=end)


def spans_to_events(spans: Iterable[Span]) -> list[Event]:
    """Change events of a derived timeline (one per monitored span), for the engine."""
    return [
        Event(at=span.start, state=span.raw_state) for span in spans if span.raw_state in STATES
    ]
