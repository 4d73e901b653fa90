"""Group state derivation: worst, best, k-of-n over member timelines (pure)."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import Event, state_timeline
from sla.engine.groups import (
    aggregate_states,
    check_aggregation,
    group_timeline,
    group_timeline_from_events,
    spans_to_events,
)
from sla.engine.states import STATE_BADNESS

T0 = datetime(2024, 3, 1, tzinfo=UTC)
END = T0 + timedelta(hours=1)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def m(value: int) -> datetime:
    return T0 + timedelta(minutes=value)


def states_of(spans):
    return [(span.start, span.end, span.raw_state) for span in spans]


@pytest.mark.parametrize(
    ("states", "aggregation", "k", "expected"),
    [
        (["OK", "WARN", "CRIT"], "worst", None, "CRIT"),
        (["OK", "WARN", "UNKNOWN"], "worst", None, "UNKNOWN"),
        (["OK", "WARN", "CRIT"], "best", None, "OK"),
        (["WARN", "CRIT", "UNMONITORED"], "best", None, "WARN"),
        (["OK", "UNMONITORED"], "worst", None, "OK"),
        (["UNMONITORED", "UNMONITORED"], "worst", None, "UNMONITORED"),
        (["OK", "OK", "CRIT"], "k_of_n", 2, "OK"),
        (["OK", "WARN", "CRIT"], "k_of_n", 2, "CRIT"),
        (["OK", "UNMONITORED"], "k_of_n", 2, "CRIT"),
        ([], "best", None, "UNMONITORED"),
    ],
)
def test_aggregate_states(states, aggregation, k, expected):
    assert aggregate_states(states, aggregation, k) == expected


@pytest.mark.parametrize(("aggregation", "k"), [("median", None), ("k_of_n", None), ("k_of_n", 0)])
def test_bad_aggregation_is_refused(aggregation, k):
    with pytest.raises(ValueError):
        check_aggregation(aggregation, k)


def test_worst_group_timeline():
    api = [Event(m(0), "OK"), Event(m(10), "CRIT"), Event(m(20), "OK")]
    db = [Event(m(5), "OK"), Event(m(15), "WARN"), Event(m(30), "OK")]
    spans = group_timeline_from_events([api, db], aggregation="worst", start=T0, end=END)
    assert states_of(spans) == [
        (m(0), m(10), "OK"),
        (m(10), m(20), "CRIT"),
        (m(20), m(30), "WARN"),
        (m(30), END, "OK"),
    ]


def test_best_group_is_unmonitored_until_a_member_reports():
    api = [Event(m(10), "CRIT")]
    db = [Event(m(20), "OK"), Event(m(40), "CRIT")]
    spans = group_timeline_from_events([api, db], aggregation="best", start=T0, end=END)
    assert states_of(spans) == [
        (m(0), m(10), "UNMONITORED"),
        (m(10), m(20), "CRIT"),
        (m(20), m(40), "OK"),
        (m(40), END, "CRIT"),
    ]


def test_k_of_n():
    members = [
        [Event(m(0), "OK"), Event(m(10), "CRIT")],
        [Event(m(0), "OK"), Event(m(20), "WARN"), Event(m(30), "OK")],
        [Event(m(0), "OK")],
    ]
    spans = group_timeline_from_events(members, aggregation="k_of_n", k=2, start=T0, end=END)
    assert states_of(spans) == [(m(0), m(20), "OK"), (m(20), m(30), "CRIT"), (m(30), END, "OK")]


def test_state_at_start_comes_from_earlier_events_and_empty_group():
    spans = group_timeline_from_events(
        [[Event(T0 - timedelta(days=1), "WARN")]], aggregation="worst", start=T0, end=END
    )
    assert states_of(spans) == [(T0, END, "WARN")]
    assert states_of(group_timeline([], aggregation="worst", start=T0, end=END)) == [
        (T0, END, "UNMONITORED")
    ]
    assert group_timeline([], aggregation="worst", start=END, end=T0) == []


def test_spans_to_events_skips_unmonitored():
    spans = group_timeline_from_events(
        [[Event(m(10), "CRIT")]], aggregation="worst", start=T0, end=END
    )
    assert spans_to_events(spans) == [Event(m(10), "CRIT")]


# --------------------------------------------------------------------------- properties

member_strategy = st.lists(
    st.tuples(st.integers(-10, 60), st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN"])),
    max_size=8,
)
groups_strategy = st.lists(member_strategy, min_size=0, max_size=5)
aggregation_strategy = st.sampled_from(
    [("worst", None), ("best", None), ("k_of_n", 1), ("k_of_n", 2)]
)


def _members(raw):
    return [[Event(m(minute), state) for minute, state in member] for member in raw]


@SETTINGS
@given(groups_strategy, aggregation_strategy, st.randoms(use_true_random=False))
def test_order_of_members_and_events_does_not_matter(raw, aggregation, rng):
    name, k = aggregation
    members = _members(raw)
    expected = group_timeline_from_events(members, aggregation=name, k=k, start=T0, end=END)
    shuffled = [rng.sample(events, len(events)) for events in members]
    rng.shuffle(shuffled)
    assert (
        group_timeline_from_events(shuffled, aggregation=name, k=k, start=T0, end=END) == expected
    )


@SETTINGS
@given(groups_strategy, aggregation_strategy)
def test_group_timeline_covers_the_range_and_matches_pointwise(raw, aggregation):
    name, k = aggregation
    members = _members(raw)
    spans = group_timeline_from_events(members, aggregation=name, k=k, start=T0, end=END)
    assert spans[0].start == T0 and spans[-1].end == END
    assert all(a.end == b.start and a.raw_state != b.raw_state for a, b in pairwise(spans))
    timelines = [state_timeline(events, T0, END) for events in members]
    for minute in range(0, 60, 3):
        instant = m(minute) + timedelta(seconds=30)
        member_states = [
            next(s.raw_state for s in timeline if s.start <= instant < s.end)
            for timeline in timelines
        ]
        group_state = next(s.raw_state for s in spans if s.start <= instant < s.end)
        assert group_state == aggregate_states(member_states, name, k)


@SETTINGS
@given(member_strategy)
def test_single_member_worst_and_best_equal_the_member(raw):
    events = _members([raw])[0]
    member = state_timeline(events, T0, END)
    for name in ("worst", "best"):
        spans = group_timeline_from_events([events], aggregation=name, start=T0, end=END)
        assert states_of(spans) == states_of(member)


@SETTINGS
@given(groups_strategy)
def test_worst_is_never_better_than_best(raw):
    members = _members(raw)
    worst = group_timeline_from_events(members, aggregation="worst", start=T0, end=END)
    best = group_timeline_from_events(members, aggregation="best", start=T0, end=END)
    for minute in range(60):
        instant = m(minute)
        w = next(s.raw_state for s in worst if s.start <= instant < s.end)
        b = next(s.raw_state for s in best if s.start <= instant < s.end)
        if w != "UNMONITORED":
            assert STATE_BADNESS[w] >= STATE_BADNESS[b]
