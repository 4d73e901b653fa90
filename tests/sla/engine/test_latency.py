"""Latency SLIs: fixed bounds, threshold counts, exact time-slice verdicts."""

import itertools
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.engine.latency import (
    BOUNDS_MS,
    BUCKETS,
    LatencyError,
    bucket_of,
    check_seconds,
    empty_histogram,
    parse_latency,
    parse_threshold,
    percentile_bucket,
    slice_is_good,
    within_threshold,
)


def test_bounds_are_the_documented_ones():
    assert BOUNDS_MS[:9] == tuple(range(1, 10))
    assert BOUNDS_MS[9:21] == (10, 12, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90)
    assert BOUNDS_MS[-9:] == (
        10_000,
        12_000,
        15_000,
        20_000,
        25_000,
        30_000,
        40_000,
        50_000,
        60_000,
    )
    assert len(BOUNDS_MS) == 54 and BUCKETS == 55
    assert list(BOUNDS_MS) == sorted(set(BOUNDS_MS))
    for common in (100, 200, 250, 300, 500, 1000, 2500):
        assert common in BOUNDS_MS


def test_widest_bucket_is_a_quarter_of_its_upper_bound_above_10_ms():
    for lower, upper in itertools.pairwise(BOUNDS_MS):
        if upper <= 10:
            assert upper - lower == 1
        else:
            assert Fraction(upper - lower, upper) <= Fraction(1, 4)


@pytest.mark.parametrize("text", ["0.300", "0.3", "0.30"])
def test_a_time_at_a_bound_lands_in_that_bound(text):
    assert BOUNDS_MS[bucket_of(float(text))] == 300


def test_buckets_use_le_semantics():
    assert bucket_of(0.0) == 0  # 0 ms: at or under 1 ms
    assert BOUNDS_MS[bucket_of(0.301)] == 400
    assert BOUNDS_MS[bucket_of(0.2999)] == 300
    assert bucket_of(60.0) == len(BOUNDS_MS) - 1
    assert bucket_of(60.001) == len(BOUNDS_MS)  # overflow


@settings(deadline=None)  # no timing limit in the suite
@given(st.integers(min_value=0, max_value=120_000))
def test_every_millisecond_time_is_in_the_bucket_its_bounds_say(milliseconds):
    index = bucket_of(milliseconds / 1000)
    upper = BOUNDS_MS[index] if index < len(BOUNDS_MS) else math.inf
    lower = BOUNDS_MS[index - 1] if index else -1
    assert lower < milliseconds <= upper


@pytest.mark.parametrize("value", [-0.001, float("nan"), float("inf"), 86_400.5])
def test_negative_or_absurd_times_are_refused(value):
    with pytest.raises(LatencyError):
        check_seconds(value)


def test_within_threshold_reads_histograms_and_le_counts():
    histogram = empty_histogram()
    histogram[bucket_of(0.05)] = 5
    histogram[bucket_of(0.25)] = 3
    histogram[bucket_of(0.4)] = 2
    assert within_threshold({"histogram": histogram}, 250) == 8
    assert within_threshold({"histogram": histogram}, 300) == 8
    assert within_threshold({"histogram": histogram}, 500) == 10
    assert within_threshold({"le_ms": {"100": 900, "300": 980}}, 300) == 980
    assert within_threshold({"le_ms": {"100": 900}}, 300) is None
    assert within_threshold(None, 300) is None


def _nearest_rank_percentile(times: list[int], percentile: Fraction) -> int:
    ordered = sorted(times)
    rank = max(math.ceil(percentile * len(ordered) / 100), 1)
    return ordered[rank - 1]


@settings(deadline=None)  # no timing limit in the suite
@given(
    st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=5),
    st.sampled_from([Fraction(50), Fraction(90), Fraction(95), Fraction(99), Fraction(999, 10)]),
    st.sampled_from([100, 250, 300, 500, 1000]),
)
def test_slice_verdict_equals_the_nearest_rank_percentile(times, errors, percentile, threshold):
    # 5xx responses count as slower than any threshold.
    everything = times + [10**9] * errors
    histogram = empty_histogram()
    for milliseconds in times:
        histogram[bucket_of(milliseconds / 1000)] += 1
    within = within_threshold({"histogram": histogram}, threshold)
    expected = _nearest_rank_percentile(everything, percentile) <= threshold
    assert slice_is_good(within=within, total=len(everything), percentile=percentile) == expected


def test_slice_verdict_exhaustive_on_small_slices():
    for total in range(1, 30):
        for within in range(total + 1):
            for percentile in (Fraction(50), Fraction(99), Fraction(100), Fraction(1, 3)):
                expected = within >= math.ceil(percentile * total / 100)
                assert slice_is_good(within=within, total=total, percentile=percentile) == (
                    expected
                )


def test_percentile_bucket_names_the_bucket_holding_the_rank():
    histogram = empty_histogram()
    histogram[bucket_of(0.08)] = 90
    histogram[bucket_of(0.29)] = 9
    assert percentile_bucket(histogram, 100, Fraction(90)) == (70, 80)
    assert percentile_bucket(histogram, 100, Fraction(99)) == (250, 300)
    assert percentile_bucket(histogram, 100, Fraction(100)) is None  # the 5xx is the rank
    assert percentile_bucket(histogram, 0, Fraction(99)) is None


def test_thresholds_must_be_bounds():
    assert parse_threshold("300") == 300 and parse_threshold(250) == 250
    for bad in (350, "abc", True, -1, "3e2", None):
        with pytest.raises(LatencyError, match="not a histogram bound"):
            parse_threshold(bad)


def test_posted_latency_is_validated():
    assert parse_latency({"le_ms": {"300": 980, "100": 900}}, good=990) == {
        "le_ms": {"100": 900, "300": 980}
    }
    histogram = [0] * BUCKETS
    histogram[3] = 4
    assert parse_latency({"histogram": histogram}, good=4) == {"histogram": histogram}
    cases = [
        ({}, "latency"),
        ({"le": {}}, "latency"),
        ({"le_ms": {"300": 5}}, "latency.le_ms.300"),  # more than good
        ({"le_ms": {"100": 3, "300": 2}}, "latency.le_ms.300"),  # decreasing
        ({"le_ms": {"350": 1}}, "latency.le_ms.350"),
        ({"le_ms": {"300": -1}}, "latency.le_ms.300"),
        ({"histogram": [1, 2]}, "latency.histogram"),
        ({"histogram": [5] + [0] * (BUCKETS - 1)}, "latency.histogram"),
        ({"histogram": [-1] + [0] * (BUCKETS - 1)}, "latency.histogram"),
        ([], "latency"),
    ]
    for data, field in cases:
        with pytest.raises(LatencyError) as raised:
            parse_latency(data, good=4)
        assert raised.value.field == field, data
