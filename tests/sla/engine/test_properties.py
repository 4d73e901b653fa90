"""Invariants of the engine, checked on random timelines (hypothesis).

Instants are whole seconds, so every duration and sum is exact in floating point and
the invariants can be compared with ``==``.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import (
    Event,
    Interval,
    evaluate,
    iter_periods,
    parse_sla,
    period_timeline,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

BASES = [datetime(2024, 3, 25, tzinfo=UTC), datetime(2024, 10, 21, tzinfo=UTC)]
HORIZON = 10 * 86400
TIME_PERIODS = [
    None,
    {day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    {
        "monday": ["00:00-02:30", "08:00-12:00", "12:00-24:00"],
        "saturday": ["01:00-03:00"],
        "sunday": ["00:00-24:00"],
        "exceptions": {"2024-03-27": [], "2024-10-27": ["02:00-03:00"]},
    },
]
STATES = ["OK", "WARN", "CRIT", "UNKNOWN", "up", "down", "degraded"]

options_strategy = st.fixed_dictionaries(
    {},
    optional={
        "downtimes": st.sampled_from(["honor", "exclude", "ignore"]),
        "downtime_ok_is_uptime": st.booleans(),
        "warn_as": st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN"]),
        "unknown_as": st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN"]),
        "short_interval_seconds": st.sampled_from([0, 60, 600, 3600]),
        "merge_phases": st.booleans(),
        "include_unmonitored": st.booleans(),
        "outage_split": st.sampled_from(["per_period", "start_period"]),
    },
)


@st.composite
def scenarios(draw):
    base = draw(st.sampled_from(BASES))
    time_period = draw(st.sampled_from(TIME_PERIODS))
    requirement_tp = draw(st.sampled_from([None, *TIME_PERIODS[1:]]))
    sla_obj = {
        "period": draw(st.sampled_from(["daily", "weekly"])),
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "options": draw(options_strategy),
        "requirements": [
            {
                "title": "availability",
                "kind": "percentage",
                "state": draw(st.sampled_from(["OK", "CRIT"])),
                "comparison": draw(st.sampled_from(["min", "max"])),
                "target": draw(st.sampled_from([0, 50, 99.5, 100])),
                "levels": {"warn": 50, "crit": 10},
            },
            {
                "title": "outages",
                "kind": "outages",
                "state": draw(st.sampled_from(["CRIT", "WARN", "UNKNOWN"])),
                "max_count": draw(st.integers(0, 3)),
                "min_duration_seconds": draw(st.sampled_from([0, 300, 7200])),
                **({"time_period": requirement_tp} if requirement_tp else {}),
            },
        ],
    }
    if time_period is not None:
        sla_obj["time_period"] = time_period
    offsets = st.integers(-2 * 86400, HORIZON)
    event_list = [
        Event(base + timedelta(seconds=offset), state)
        for offset, state in draw(
            st.lists(st.tuples(offsets, st.sampled_from(STATES)), max_size=40)
        )
    ]
    downtime_list = [
        Interval(base + timedelta(seconds=start), base + timedelta(seconds=start + length))
        for start, length in draw(st.lists(st.tuples(offsets, st.integers(1, 86400)), max_size=4))
    ]
    now_offset = draw(st.one_of(st.just(None), st.integers(0, HORIZON)))
    now = (
        datetime(2100, 1, 1, tzinfo=UTC)
        if now_offset is None
        else base + timedelta(seconds=now_offset)
    )
    return parse_sla(sla_obj), event_list, downtime_list, base, now


def evaluate_scenario(scenario, event_list=None, downtime_list=None):
    sla, events, downtimes, base, now = scenario
    return evaluate(
        sla,
        events if event_list is None else event_list,
        downtimes if downtime_list is None else downtime_list,
        base,
        base + timedelta(seconds=HORIZON),
        now,
    )


@SETTINGS
@given(scenarios())
def test_measures_are_consistent(scenario):
    sla, _, _, _, now = scenario
    for period in evaluate_scenario(scenario):
        assert period.start < now
        assert period.complete == (period.end <= now)
        length = (min(period.end, now) - period.start).total_seconds()
        for requirement, result in zip(sla.requirements, period.requirements, strict=True):
            assert 0 <= result.considered_seconds <= length
            if result.state == "NODATA":
                assert result.considered_seconds == 0
                assert result.value is None and result.remaining is None
                continue
            if result.kind == "percentage":
                assert sum(result.seconds.values()) == result.considered_seconds
                assert all(value > 0 for value in result.seconds.values())
                assert 0 <= result.value <= 100
            else:
                assert result.count == len(result.outages)
                assert result.remaining == requirement.max_count - result.count
                assert result.broken == (result.count > requirement.max_count)
                for outage in result.outages:
                    assert outage.seconds >= requirement.min_duration_seconds
                    assert outage.seconds == (outage.end - outage.start).total_seconds()
                    assert period.start <= outage.start < period.end
                    assert outage.end <= now


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(scenario, rng):
    _, events, downtimes, _, _ = scenario
    expected = evaluate_scenario(scenario)
    shuffled_events, shuffled_downtimes = list(events), list(downtimes)
    rng.shuffle(shuffled_events)
    rng.shuffle(shuffled_downtimes)
    assert evaluate_scenario(scenario, shuffled_events, shuffled_downtimes) == expected


@SETTINGS
@given(scenarios(), st.integers(1, 5))
def test_splitting_the_range_at_a_period_boundary_changes_nothing(scenario, cut_index):
    sla, events, downtimes, base, now = scenario
    end = base + timedelta(seconds=HORIZON)
    whole = evaluate(sla, events, downtimes, base, end, now)
    boundaries = [start for start, _ in iter_periods(sla.period, sla.timezone, base, end)][1:]
    cut = boundaries[min(cut_index, len(boundaries)) - 1]
    first = evaluate(sla, events, downtimes, base, cut, now)
    second = evaluate(sla, events, downtimes, cut, end, now)
    assert first + second == whole


@SETTINGS
@given(scenarios())
def test_period_timeline_matches_the_measured_spans(scenario):
    sla, events, downtimes, _, now = scenario
    merge_phases = sla.options.merge_phases
    for period in evaluate_scenario(scenario):
        for index, result in enumerate(period.requirements):
            spans = period_timeline(sla, index, events, downtimes, period.start, period.end, now)
            assert sum((s.end - s.start).total_seconds() for s in spans) == (
                result.considered_seconds
            )
            for span in spans:
                assert period.start <= span.start < span.end <= min(period.end, now)
            for left, right in pairwise(spans):
                assert left.end <= right.start
                if merge_phases:
                    assert not (left.end == right.start and left.klass == right.klass)
            if result.kind == "percentage" and spans:
                classes = list(dict.fromkeys(span.klass for span in spans))
                assert list(result.seconds) == classes


@SETTINGS
@given(scenarios())
def test_microsecond_inputs_give_the_same_results(scenario):
    """EventTimes/IntervalTimes (the bulk database path) equal Event/Interval lists."""
    from sla.engine import EventTimes, IntervalTimes
    from sla.engine.instants import to_micros

    _, events, downtimes, _, _ = scenario
    event_times = EventTimes([(to_micros(event.at), event.state) for event in events])
    interval_times = IntervalTimes(
        [(to_micros(interval.start), to_micros(interval.end)) for interval in downtimes]
    )
    assert evaluate_scenario(scenario, event_times, interval_times) == evaluate_scenario(scenario)
