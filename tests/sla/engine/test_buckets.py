"""5-minute bucket arithmetic: exact seconds per state, downtime overlap, local days."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import Event, Interval, Span, state_timeline
from sla.engine.buckets import (
    BUCKET,
    BUCKET_US,
    bucket_ceil,
    bucket_floor,
    bucket_seconds,
    bucket_starts,
    local_day_bounds,
    local_days,
    sum_buckets,
    to_micros,
)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def minutes(value: float) -> datetime:
    return T0 + timedelta(minutes=value)


def test_floor_and_ceil():
    instant = datetime(2024, 3, 1, 12, 7, 30, 5, tzinfo=UTC)
    assert bucket_floor(instant) == datetime(2024, 3, 1, 12, 5, tzinfo=UTC)
    assert bucket_ceil(instant) == datetime(2024, 3, 1, 12, 10, tzinfo=UTC)
    assert bucket_ceil(T0) == T0 == bucket_floor(T0)


def test_floor_of_an_offset_instant_is_utc_aligned():
    berlin = datetime.fromisoformat("2024-03-01T13:07:00+01:00")
    assert bucket_floor(berlin) == datetime(2024, 3, 1, 12, 5, tzinfo=UTC)


def test_naive_and_unaligned_inputs_are_refused():
    with pytest.raises(ValueError, match="naive"):
        bucket_floor(datetime(2024, 3, 1))
    with pytest.raises(ValueError, match="bucket edge"):
        bucket_seconds([], [], minutes(1), minutes(10))
    with pytest.raises(ValueError, match="before"):
        list(bucket_starts(minutes(10), minutes(5)))


def test_seconds_per_state_and_unmonitored_before_first_event():
    spans = state_timeline([Event(minutes(2), "OK"), Event(minutes(7), "CRIT")], T0, minutes(10))
    first, second = bucket_seconds(spans, [], T0, minutes(10))
    assert first.start == T0 and second.start == minutes(5)
    assert (first.unmonitored, first.ok, first.crit) == (120, 180, 0)
    assert (second.ok, second.crit, second.total) == (120, 180, 300)


def test_downtime_counts_monitored_time_only_and_overlaps_states():
    spans = state_timeline([Event(minutes(1), "WARN")], T0, minutes(5))
    downtimes = [Interval(T0, minutes(3)), Interval(minutes(2), minutes(4))]
    (bucket,) = bucket_seconds(spans, downtimes, T0, minutes(5))
    assert bucket.downtime == 180  # [1, 4) minutes: the unmonitored first minute is excluded
    assert bucket.warn == 240 and bucket.unmonitored == 60 and bucket.total == 300


def test_uncovered_time_is_unmonitored():
    spans = [Span(minutes(1), minutes(2), "OK", "OK")]
    (bucket,) = bucket_seconds(spans, [], T0, minutes(5))
    assert (bucket.ok, bucket.unmonitored) == (60, 240)


def test_sub_second_instants_sum_exactly():
    instant = T0 + timedelta(seconds=100, microseconds=333_333)
    spans = state_timeline([Event(T0, "OK"), Event(instant, "WARN")], T0, minutes(5))
    (bucket,) = bucket_seconds(spans, [], T0, minutes(5))
    assert bucket.ok == 100.333333 and bucket.warn == 199.666667


def test_sum_buckets_and_empty_range():
    spans = state_timeline([Event(T0, "OK")], T0, minutes(15))
    rows = bucket_seconds(spans, [], T0, minutes(15))
    total = sum_buckets(rows, T0)
    assert total.ok == 900 and total.start == T0
    assert bucket_seconds(spans, [], T0, T0) == []


def test_local_days_follow_dst():
    start, end = local_day_bounds(date(2024, 3, 31), "Europe/Berlin")
    assert (start, end - start) == (datetime(2024, 3, 30, 23, tzinfo=UTC), timedelta(hours=23))
    days = local_days(datetime(2024, 3, 30, 22, tzinfo=UTC), end, "Europe/Berlin")
    assert days == [date(2024, 3, 30), date(2024, 3, 31)]
    assert local_days(end, end, "Europe/Berlin") == []


# --------------------------------------------------------------------------- properties

STATES = ["OK", "WARN", "CRIT", "UNKNOWN"]

events_strategy = st.lists(
    st.tuples(
        st.integers(min_value=-600_000_000, max_value=3_600_000_000),  # microseconds from T0
        st.sampled_from(STATES),
    ),
    max_size=25,
)
downtimes_strategy = st.lists(
    st.tuples(st.integers(0, 3_600_000_000), st.integers(1, 1_800_000_000)), max_size=4
)


def _events(pairs):
    return [Event(T0 + timedelta(microseconds=offset), state) for offset, state in pairs]


def _downtimes(pairs):
    return [
        Interval(T0 + timedelta(microseconds=start), T0 + timedelta(microseconds=start + length))
        for start, length in pairs
    ]


def _micros(bucket):
    return [round(value * 1_000_000) for value in bucket.as_dict().values()]


@SETTINGS
@given(events_strategy, downtimes_strategy, st.randoms(use_true_random=False))
def test_bucket_states_always_sum_to_300_and_order_does_not_matter(pairs, downs, rng):
    end = T0 + timedelta(hours=1)
    events = _events(pairs)
    rows = bucket_seconds(state_timeline(events, T0, end), _downtimes(downs), T0, end)
    assert len(rows) == 12
    for row in rows:
        assert sum(_micros(row)[:5]) == BUCKET_US
        assert abs(row.total - 300) < 1e-6
        assert 0 <= row.downtime <= 300 - row.unmonitored + 1e-6
    shuffled = list(events)
    rng.shuffle(shuffled)
    again = bucket_seconds(state_timeline(shuffled, T0, end), _downtimes(downs), T0, end)
    assert again == rows


@SETTINGS
@given(events_strategy, downtimes_strategy, st.integers(min_value=1, max_value=11))
def test_splitting_the_range_at_a_bucket_edge_changes_nothing(pairs, downs, cut):
    end = T0 + timedelta(hours=1)
    middle = T0 + cut * BUCKET
    events, downtimes = _events(pairs), _downtimes(downs)
    whole = bucket_seconds(state_timeline(events, T0, end), downtimes, T0, end)
    left = bucket_seconds(state_timeline(events, T0, middle), downtimes, T0, middle)
    right = bucket_seconds(state_timeline(events, middle, end), downtimes, middle, end)
    assert left + right == whole


@SETTINGS
@given(events_strategy)
def test_seconds_per_state_match_the_timeline(pairs):
    end = T0 + timedelta(hours=1)
    spans = state_timeline(_events(pairs), T0, end)
    rows = bucket_seconds(spans, [], T0, end)
    for state, column in (("OK", "ok"), ("CRIT", "crit"), ("UNMONITORED", "unmonitored")):
        expected = sum(to_micros(s.end) - to_micros(s.start) for s in spans if s.raw_state == state)
        assert sum(_micros(row)[list(row.as_dict()).index(column)] for row in rows) == expected


def test_many_buckets_fast_path_is_consistent():
    rng = random.Random(7)
    events = [
        Event(T0 + timedelta(seconds=rng.randrange(86400)), rng.choice(STATES)) for _ in range(500)
    ]
    end = T0 + timedelta(days=1)
    rows = bucket_seconds(state_timeline(events, T0, end), [], T0, end)
    assert len(rows) == 288 and all(abs(row.total - 300) < 1e-9 for row in rows)
