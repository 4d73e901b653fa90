"""When is a service flapping (SLA-SEMANTICS.md sections 1 and 2)?

A service is flapping when its flap flag says so or, with ``flap_detection``, when at
least N raw state changes lie in ``(t - W, t]``. Both give sorted, disjoint intervals of
epoch microseconds; their union is what ``flapping: consider`` classifies as
``FLAPPING``. Everything here depends only on the set of events, never on their order.
"""

from __future__ import annotations

from collections.abc import Iterable

from .spec import FlapDetection

Intervals = list[tuple[int, int]]


def prepare_flags(flags: Iterable[tuple[int, bool]]) -> list[tuple[int, bool]]:
    """Sorted ``(at, flapping)``, one per instant; at one instant ``True`` wins, so the
    outcome does not depend on the order simultaneous events arrived in."""
    by_instant: dict[int, bool] = {}
    for at, flapping in flags:
        by_instant[at] = by_instant.get(at, False) or bool(flapping)
    return sorted(by_instant.items())


def flag_intervals(flags: list[tuple[int, bool]]) -> Intervals:
    """Where the carried flag is true: from a ``True`` until the next ``False``."""
    intervals: Intervals = []
    since = None
    for at, flapping in flags:
        if flapping and since is None:
            since = at
        elif not flapping and since is not None:
            intervals.append((since, at))
            since = None
    if since is not None:
        intervals.append((since, _FOREVER))
    return intervals


# Later than any instant the engine handles (year 9999 is ~2.5e17 microseconds).
_FOREVER = 2**62


def state_changes(times: list[int], states: list[str]) -> list[int]:
    """Instants where the state (after same-instant ties) differs from the one before;
    the first event ever is no change."""
    return [times[index] for index in range(1, len(times)) if states[index] != states[index - 1]]


def detected_intervals(changes: list[int], detection: FlapDetection) -> Intervals:
    """The union of ``[c(i+N-1), c(i) + W)`` over consecutive changes: at ``t`` there are
    at least N changes in ``(t - W, t]`` exactly there (``W`` rounded up to whole
    microseconds, which for integer instants is the same condition)."""
    window = detection.window_micros
    span = detection.changes - 1
    pieces = (
        (changes[index + span], changes[index] + window) for index in range(len(changes) - span)
    )
    return union(piece for piece in pieces if piece[0] < piece[1])


def union(intervals: Iterable[tuple[int, int]]) -> Intervals:
    """Sorted, disjoint union; touching intervals become one (a set of instants)."""
    merged: Intervals = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def flapping_intervals(
    times: list[int],
    states: list[str],
    flags: list[tuple[int, bool]],
    detection: FlapDetection | None,
) -> Intervals:
    """Where the service is flapping: by its flag or by detection."""
    flagged = flag_intervals(flags)
    if detection is None:
        return flagged
    return union([*flagged, *detected_intervals(state_changes(times, states), detection)])


def flapping_periods(events, detection: FlapDetection | None, start: int, end: int) -> Intervals:
    """Where a service flaps within ``[start, end)`` (microseconds), by flag or detection,
    whatever the SLA's ``flapping`` option: what a detail page shows. ``events`` must
    reach back a detection window before ``start`` (plus the state and flag in force)."""
    from .timeline import event_flags, prepare_events

    if not isinstance(events, list | tuple):
        events = list(events)
    times, states = prepare_events(events)
    found = flapping_intervals(times, states, prepare_flags(event_flags(events)), detection)
    return [(max(a, start), min(b, end)) for a, b in found if a < end and b > start]
