"""Steps 6-7, outages and the period loop of the semantics."""

from datetime import datetime
from fractions import Fraction

import pytest

from sla.engine import Event, Interval, StateError, evaluate

from .helpers import DAY, FAR_FUTURE, at, events, make_sla, one, outages, percentage, run

BEFORE = "2024-03-01T00:00"


def crit_for(seconds, start="2024-03-04T06:00"):
    """OK from before the period, CRIT for ``seconds`` from ``start``, then OK."""
    begin = at(start)
    end = datetime.fromtimestamp(begin.timestamp() + seconds, begin.tzinfo)
    return [Event(at(BEFORE), "OK"), Event(begin, "CRIT"), Event(end, "OK")]


# --------------------------------------------------------------------------- percentage


def test_min_exactly_at_target_is_not_broken():
    # 6 h CRIT of 24 h: A = 75.0 exactly.
    result = one(make_sla(requirements=[percentage("OK", 75)]), crit_for(6 * 3600))
    assert (result.value, result.broken, result.remaining, result.state) == (75.0, False, 0.0, "OK")


def test_min_below_target_is_broken():
    result = one(make_sla(requirements=[percentage("OK", 75)]), crit_for(6 * 3600 + 1))
    assert result.broken
    assert result.state == "BROKEN"
    assert result.remaining < 0


def test_max_exactly_at_target_is_not_broken():
    sla = make_sla(requirements=[percentage("CRIT", 25, "max")])
    result = one(sla, crit_for(6 * 3600))
    assert (result.value, result.broken, result.remaining, result.state) == (25.0, False, 0.0, "OK")
    assert one(sla, crit_for(6 * 3600 + 1)).state == "BROKEN"


def test_remaining_formulas():
    # Exact rationals; the floats are the nearest ones to them.
    min_result = one(make_sla(requirements=[percentage("OK", 99.5)]), crit_for(200))
    a = Fraction(100 * (86400 - 200), 86400)
    assert min_result.exact_value == a
    assert min_result.value == float(a)
    remaining = 100 * (a - Fraction("99.5")) / (100 - Fraction("99.5"))
    assert min_result.exact_remaining == remaining
    assert min_result.remaining == float(remaining)
    max_result = one(make_sla(requirements=[percentage("CRIT", 1.0, "max")]), crit_for(200))
    a = Fraction(100 * 200, 86400)
    assert max_result.exact_value == a
    assert max_result.value == float(a)
    assert max_result.exact_remaining == 100 * (1 - a)
    assert max_result.remaining == float(100 * (1 - a))


@pytest.mark.parametrize(
    ("levels", "state"),
    [
        ((50, 10), "WARN"),  # R == warn -> WARN
        ((60, 50), "CRIT"),  # R == crit -> CRIT
        ((49.999, 10), "OK"),
        ((50, 50), "CRIT"),
        ((100, 60), "CRIT"),
    ],
)
def test_levels_boundaries(levels, state):
    # A = 75, target 50: R = 100 * 25 / 50 = 50.0 exactly.
    sla = make_sla(requirements=[percentage("OK", 50, levels=levels)])
    result = one(sla, crit_for(6 * 3600))
    assert result.remaining == 50.0
    assert result.state == state
    assert not result.broken


def test_broken_wins_over_levels():
    sla = make_sla(requirements=[percentage("OK", 80, levels=(50, 10))])
    assert one(sla, crit_for(6 * 3600)).state == "BROKEN"


def test_target_100_min_has_no_budget():
    sla = make_sla(requirements=[percentage("OK", 100, levels=(50, 10))])
    perfect = one(sla, events((BEFORE, "OK")))
    assert (perfect.value, perfect.remaining, perfect.broken, perfect.state) == (
        100.0,
        None,
        False,
        "OK",
    )
    assert one(sla, crit_for(1)).state == "BROKEN"
    assert one(sla, crit_for(1)).remaining is None


def test_target_0_max_has_no_budget():
    sla = make_sla(requirements=[percentage("CRIT", 0, "max", levels=(50, 10))])
    clean = one(sla, events((BEFORE, "OK")))
    assert (clean.value, clean.remaining, clean.state) == (0.0, None, "OK")
    assert one(sla, crit_for(1)).state == "BROKEN"


def test_target_0_min_and_100_max_always_hold():
    assert (
        one(make_sla(requirements=[percentage("OK", 0)]), events((BEFORE, "CRIT"))).remaining == 0
    )
    result = one(make_sla(requirements=[percentage("CRIT", 100, "max")]), events((BEFORE, "CRIT")))
    assert (result.value, result.remaining, result.broken) == (100.0, 0.0, False)


def test_percentage_of_a_non_ok_state():
    sla = make_sla(requirements=[percentage("WARN", 10, "max")])
    event_list = events((BEFORE, "OK"), ("2024-03-04T10:00", "WARN"), ("2024-03-04T12:00", "OK"))
    result = one(sla, event_list)
    assert result.value == 100 * 7200.0 / 86400.0
    assert result.seconds == {"OK": 79200.0, "WARN": 7200.0}


# --------------------------------------------------------------------------- NODATA, overall


def test_nodata_for_both_kinds():
    sla = make_sla(requirements=[percentage(), outages()])
    (period,) = run(sla, [])
    pct, out = period.requirements
    assert (pct.state, pct.value, pct.remaining, pct.seconds, pct.considered_seconds) == (
        "NODATA",
        None,
        None,
        {},
        0.0,
    )
    assert (out.state, out.count, out.remaining, out.outages, out.broken) == (
        "NODATA",
        0,
        None,
        (),
        False,
    )
    assert period.state == "NODATA"


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (
            [percentage("OK", 50), percentage("OK", 50, time_period={"sunday": ["00:00-24:00"]})],
            "OK",
        ),
        ([percentage("OK", 80), percentage("OK", 50, time_period={})], "BROKEN"),
        ([percentage("OK", 50, levels=(50, 10)), percentage("OK", 50, levels=(60, 50))], "CRIT"),
        ([percentage("OK", 80), percentage("OK", 50, levels=(60, 50))], "BROKEN"),
        ([percentage("OK", 50, levels=(50, 10)), percentage("OK", 50)], "WARN"),
        ([percentage("OK", 50, time_period={})], "NODATA"),
    ],
)
def test_overall_state_is_the_worst_requirement(requirements, expected):
    (period,) = run(make_sla(requirements=requirements), crit_for(6 * 3600))
    assert period.state == expected


# --------------------------------------------------------------------------- periods and now


def test_every_overlapping_period_is_evaluated_whole():
    sla = make_sla(period="weekly")
    periods = run(sla, events((BEFORE, "OK")), start="2024-03-06T12:00", end="2024-03-12T00:00")
    assert [(p.start, p.end) for p in periods] == [
        (at("2024-03-04"), at("2024-03-11")),
        (at("2024-03-11"), at("2024-03-18")),
    ]
    assert all(p.requirements[0].considered_seconds == 7 * DAY for p in periods)


def test_current_period_is_evaluated_up_to_now():
    sla = make_sla()
    periods = run(sla, crit_for(3600), start="2024-03-03", end="2024-03-06", now="2024-03-04T12:00")
    assert [(p.start, p.end, p.complete) for p in periods] == [
        (at("2024-03-03"), at("2024-03-04"), True),
        (at("2024-03-04"), at("2024-03-05"), False),
    ]
    current = periods[1].requirements[0]
    assert current.considered_seconds == 12 * 3600.0
    assert current.seconds == {"OK": 39600.0, "CRIT": 3600.0}


def test_period_starting_at_now_is_not_reported():
    periods = run(
        make_sla(), events((BEFORE, "OK")), start="2024-03-03", end="2024-03-06", now="2024-03-04"
    )
    assert [(p.start, p.complete) for p in periods] == [(at("2024-03-03"), True)]


def test_range_in_the_future_reports_nothing():
    assert (
        run(
            make_sla(),
            events((BEFORE, "OK")),
            start="2024-03-05",
            end="2024-03-06",
            now="2024-03-04",
        )
        == []
    )


def test_now_before_range_start_but_inside_its_period():
    sla = make_sla(period="monthly")
    periods = run(
        sla, events((BEFORE, "OK")), start="2024-03-10", end="2024-03-11", now="2024-03-05"
    )
    assert [(p.start, p.end, p.complete) for p in periods] == [
        (at("2024-03-01"), at("2024-04-01"), False)
    ]
    assert periods[0].requirements[0].considered_seconds == 4 * DAY


def test_events_after_now_are_ignored():
    event_list = events((BEFORE, "OK"), ("2024-03-04T13:00", "CRIT"))
    result = one(make_sla(), event_list, now="2024-03-04T12:00")
    assert result.seconds == {"OK": 43200.0}


def test_monthly_berlin_period_across_dst():
    sla = make_sla(period="monthly", timezone="Europe/Berlin")
    (period,) = run(sla, events(("2024-02-01", "OK")), start="2024-03-10", end="2024-03-11")
    assert period.requirements[0].considered_seconds == 743 * 3600.0
    (period,) = run(sla, events(("2024-02-01", "OK")), start="2024-10-10", end="2024-10-11")
    assert period.requirements[0].considered_seconds == 745 * 3600.0


def test_quarterly_and_yearly_periods():
    quarterly = run(
        make_sla(period="quarterly"),
        events(("2023-12-01", "OK")),
        start="2024-03-31",
        end="2024-04-02",
    )
    assert [p.requirements[0].considered_seconds for p in quarterly] == [91 * DAY, 91 * DAY]
    yearly = run(
        make_sla(period="yearly"),
        events(("2023-12-01", "OK")),
        start="2024-06-01",
        end="2024-06-02",
    )
    assert [(p.start, p.end) for p in yearly] == [(at("2024-01-01"), at("2025-01-01"))]
    assert yearly[0].requirements[0].considered_seconds == 366 * DAY


# --------------------------------------------------------------------------- input errors


def test_naive_datetimes_are_rejected():
    sla = make_sla()
    with pytest.raises(ValueError, match="naive"):
        evaluate(
            sla,
            [Event(datetime(2024, 3, 4), "OK")],
            [],
            at("2024-03-04"),
            at("2024-03-05"),
            FAR_FUTURE,
        )
    with pytest.raises(ValueError, match="naive"):
        evaluate(sla, [], [], datetime(2024, 3, 4), at("2024-03-05"), FAR_FUTURE)
    with pytest.raises(ValueError, match="naive"):
        evaluate(sla, [], [], at("2024-03-04"), at("2024-03-05"), datetime(2024, 3, 4))
    with pytest.raises(ValueError, match="naive"):
        downtime = Interval(datetime(2024, 3, 4), at("2024-03-05"))
        evaluate(sla, [], [downtime], at("2024-03-04"), at("2024-03-05"), FAR_FUTURE)


def test_empty_range_and_reversed_downtime_are_rejected():
    sla = make_sla()
    with pytest.raises(ValueError, match="after"):
        evaluate(sla, [], [], at("2024-03-04"), at("2024-03-04"), FAR_FUTURE)
    with pytest.raises(ValueError, match="before it starts"):
        downtime = Interval(at("2024-03-05"), at("2024-03-04"))
        evaluate(sla, [], [downtime], at("2024-03-04"), at("2024-03-05"), FAR_FUTURE)


def test_empty_downtime_is_ignored():
    downtime = Interval(at("2024-03-04T10:00"), at("2024-03-04T10:00"))
    result = one(make_sla(), events((BEFORE, "OK")), [downtime])
    assert result.seconds == {"OK": DAY}


def test_unknown_event_state_is_rejected():
    with pytest.raises(StateError):
        run(make_sla(), [Event(at(BEFORE), "GREEN")])


def test_aliases_are_accepted_in_event_objects():
    result = one(make_sla(), [Event(at(BEFORE), "operational")])
    assert result.seconds == {"OK": DAY}


# --------------------------------------------------------------------------- outages


def outage_list(result):
    return [(o.start.isoformat()[:16], o.end.isoformat()[:16], o.seconds) for o in result.outages]


def test_outage_min_duration_is_inclusive():
    sla = make_sla(requirements=[outages("CRIT", 5, 300)])
    assert one(sla, crit_for(300)).count == 1
    assert one(sla, crit_for(299)).count == 0


@pytest.mark.parametrize(
    ("crit_count", "state", "remaining"),
    [(0, "OK", 2), (1, "WARN", 1), (2, "CRIT", 0), (3, "BROKEN", -1)],
)
def test_outage_levels_and_broken(crit_count, state, remaining):
    sla = make_sla(requirements=[outages("CRIT", 2, 0, levels=(1, 0))])
    event_list = [Event(at(BEFORE), "OK")]
    for index in range(crit_count):
        event_list += events(
            (f"2024-03-04T{10 + index}:00", "CRIT"), (f"2024-03-04T{10 + index}:30", "OK")
        )
    result = one(sla, event_list)
    assert (result.count, result.state, result.remaining) == (crit_count, state, remaining)
    assert isinstance(result.remaining, int)
    assert result.broken == (crit_count > 2)


# An outage across the boundary between 2024-03-04 and 2024-03-05: 23:00 -> 01:00.
ACROSS = events((BEFORE, "OK"), ("2024-03-04T23:00", "CRIT"), ("2024-03-05T01:00", "OK"))


def test_per_period_splits_an_outage_at_the_boundary():
    sla = make_sla(requirements=[outages("CRIT", 0, 0)])
    first, second = run(sla, ACROSS, start="2024-03-04", end="2024-03-06")
    assert outage_list(first.requirements[0]) == [("2024-03-04T23:00", "2024-03-05T00:00", 3600.0)]
    assert outage_list(second.requirements[0]) == [("2024-03-05T00:00", "2024-03-05T01:00", 3600.0)]
    # Each fragment is judged on its own.
    sla = make_sla(requirements=[outages("CRIT", 0, 5400)])
    assert [
        p.requirements[0].count for p in run(sla, ACROSS, start="2024-03-04", end="2024-03-06")
    ] == [0, 0]


def test_start_period_counts_an_outage_once_whole_where_it_started():
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 5400)])
    first, second = run(sla, ACROSS, start="2024-03-04", end="2024-03-06")
    assert outage_list(first.requirements[0]) == [("2024-03-04T23:00", "2024-03-05T01:00", 7200.0)]
    assert first.requirements[0].state == "BROKEN"
    assert second.requirements[0].count == 0
    assert second.requirements[0].state == "OK"


def test_start_period_follows_beyond_the_requested_range():
    event_list = events((BEFORE, "OK"), ("2024-03-04T23:00", "CRIT"), ("2024-03-07T02:00", "OK"))
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 0)])
    (period,) = run(sla, event_list, start="2024-03-04", end="2024-03-05")
    assert outage_list(period.requirements[0]) == [
        ("2024-03-04T23:00", "2024-03-07T02:00", 183600.0)
    ]
    assert period.requirements[0].considered_seconds == DAY


def test_start_period_follows_up_to_now():
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 0)])
    first, second = run(sla, ACROSS, start="2024-03-04", end="2024-03-06", now="2024-03-05T00:30")
    assert outage_list(first.requirements[0]) == [("2024-03-04T23:00", "2024-03-05T00:30", 5400.0)]
    assert second.complete is False
    assert second.requirements[0].count == 0


def test_start_period_at_now_exactly_on_the_boundary():
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 0)])
    (first,) = run(sla, ACROSS, start="2024-03-04", end="2024-03-06", now="2024-03-05T00:00")
    assert outage_list(first.requirements[0]) == [("2024-03-04T23:00", "2024-03-05T00:00", 3600.0)]


def test_start_period_outage_running_at_p0_belongs_to_an_earlier_period():
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 0)])
    (second,) = run(sla, ACROSS, start="2024-03-05", end="2024-03-06")
    assert second.requirements[0].count == 0
    # Running through a whole period: counted in none but the first.
    long = events((BEFORE, "OK"), ("2024-03-03T12:00", "CRIT"), ("2024-03-06T12:00", "OK"))
    counts = [p.requirements[0].count for p in run(sla, long, start="2024-03-03", end="2024-03-07")]
    assert counts == [1, 0, 0, 0]


def test_start_period_other_class_at_p0_is_a_new_outage():
    event_list = events(
        (BEFORE, "OK"),
        ("2024-03-04T23:00", "WARN"),
        ("2024-03-05T00:00", "CRIT"),
        ("2024-03-05T01:00", "OK"),
    )
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 0)])
    (second,) = run(sla, event_list, start="2024-03-05", end="2024-03-06")
    assert outage_list(second.requirements[0]) == [("2024-03-05T00:00", "2024-03-05T01:00", 3600.0)]


def test_start_period_dropped_time_at_the_boundary_stops_following():
    # Business hours end at 18:00: the CRIT at midnight is outside, nothing to follow.
    business = {"monday": ["08:00-18:00"], "tuesday": ["08:00-18:00"]}
    event_list = events((BEFORE, "OK"), ("2024-03-04T17:00", "CRIT"), ("2024-03-05T09:00", "OK"))
    sla = make_sla(
        time_period=business, outage_split="start_period", requirements=[outages("CRIT", 0, 0)]
    )
    first, second = run(sla, event_list, start="2024-03-04", end="2024-03-06")
    assert outage_list(first.requirements[0]) == [("2024-03-04T17:00", "2024-03-04T18:00", 3600.0)]
    assert outage_list(second.requirements[0]) == [("2024-03-05T08:00", "2024-03-05T09:00", 3600.0)]


def test_start_period_judges_the_whole_duration_against_the_minimum():
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 7200)])
    first, _ = run(sla, ACROSS, start="2024-03-04", end="2024-03-06")
    assert first.requirements[0].count == 1
    sla = make_sla(outage_split="start_period", requirements=[outages("CRIT", 0, 7201)])
    first, _ = run(sla, ACROSS, start="2024-03-04", end="2024-03-06")
    assert first.requirements[0].count == 0


def test_start_period_with_merge_phases_false_follows_only_the_first_span():
    event_list = events(
        (BEFORE, "OK"),
        ("2024-03-04T23:00", "CRIT"),
        ("2024-03-05T00:30", "CRIT"),
        ("2024-03-05T01:00", "OK"),
    )
    sla = make_sla(
        outage_split="start_period", merge_phases=False, requirements=[outages("CRIT", 5, 0)]
    )
    first, second = run(sla, event_list, start="2024-03-04", end="2024-03-06")
    assert outage_list(first.requirements[0]) == [("2024-03-04T23:00", "2024-03-05T00:30", 5400.0)]
    assert outage_list(second.requirements[0]) == [("2024-03-05T00:30", "2024-03-05T01:00", 1800.0)]


def test_outage_in_current_period_runs_up_to_now():
    sla = make_sla(requirements=[outages("CRIT", 0, 0)])
    event_list = events((BEFORE, "OK"), ("2024-03-04T10:00", "CRIT"))
    result = one(sla, event_list, now="2024-03-04T10:20")
    assert outage_list(result) == [("2024-03-04T10:00", "2024-03-04T10:20", 1200.0)]


def test_outage_of_unknown_with_grouping():
    sla = make_sla(unknown_as="CRIT", requirements=[outages("CRIT", 0, 0)])
    event_list = events(
        (BEFORE, "OK"),
        ("2024-03-04T10:00", "UNKNOWN"),
        ("2024-03-04T10:20", "CRIT"),
        ("2024-03-04T10:40", "OK"),
    )
    assert outage_list(one(sla, event_list)) == [("2024-03-04T10:00", "2024-03-04T10:40", 2400.0)]


def test_two_requirements_share_the_timeline_but_not_results():
    sla = make_sla(requirements=[percentage("OK", 99), outages("CRIT", 0, 0)])
    (period,) = run(sla, crit_for(600))
    pct, out = period.requirements
    assert pct.seconds == {"OK": 85800.0, "CRIT": 600.0}
    assert pct.seconds is not out.seconds
    assert out.count == 1


def test_sub_second_instants_are_exact():
    event_list = events(
        (BEFORE, "OK"), ("2024-03-04T10:00:00.100000", "CRIT"), ("2024-03-04T10:00:00.200000", "OK")
    )
    sla = make_sla(requirements=[percentage("OK", 99), outages("CRIT", 5, 0.1)])
    (period,) = run(sla, event_list)
    pct, out = period.requirements
    assert pct.seconds == {"OK": 86399.9, "CRIT": 0.1}
    assert pct.value == 100 * 86399.9 / 86400.0
    assert [(o.start, o.end, o.seconds) for o in out.outages] == [
        (at("2024-03-04T10:00:00.1"), at("2024-03-04T10:00:00.2"), 0.1)
    ]
    assert out.to_json()["outages"][0]["start"] == "2024-03-04T10:00:00.100000Z"
