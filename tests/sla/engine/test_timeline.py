"""Steps 1-5 of the semantics on small hand-made timelines (one UTC day, 2024-03-04)."""

import random

import pytest

from sla.engine import StateError, state_timeline

from .helpers import at, downtimes, events, make_sla, one, outages, percentage, spans

BEFORE = "2024-03-01T00:00"


def day(*pairs):
    """Events of 2024-03-04 given as ("HH:MM[:SS]", state)."""
    return events(*((f"2024-03-04T{when}", state) for when, state in pairs))


# --------------------------------------------------------------------------- step 1


def test_state_at_period_start_is_the_last_event_before_it():
    got = spans(make_sla(), events((BEFORE, "WARN"), ("2024-03-04T10:00", "OK")))
    assert got == [("00:00", "10:00", "WARN"), ("10:00", "00:00", "OK")]


def test_an_event_at_period_start_applies_from_it():
    got = spans(make_sla(), events((BEFORE, "CRIT"), ("2024-03-04T00:00", "OK")))
    assert got == [("00:00", "00:00", "OK")]


def test_events_after_the_period_are_ignored():
    got = spans(make_sla(), events((BEFORE, "OK"), ("2024-03-05T00:00", "CRIT")))
    assert got == [("00:00", "00:00", "OK")]


@pytest.mark.parametrize(
    "states",
    [("OK", "CRIT"), ("CRIT", "OK"), ("WARN", "UNKNOWN", "OK"), ("unknown", "ok", "degraded")],
)
def test_simultaneous_events_worst_wins_whatever_the_order(states):
    worst = "CRIT" if "CRIT" in states else "UNKNOWN"
    for order in (states, tuple(reversed(states))):
        event_list = events((BEFORE, "OK"), *(("2024-03-04T10:00", s) for s in order))
        event_list += day(("11:00", "OK"))
        got = spans(make_sla(), event_list)
        assert got == [
            ("00:00", "10:00", "OK"),
            ("10:00", "11:00", worst),
            ("11:00", "00:00", "OK"),
        ]


def test_aliases_in_events():
    event_list = events(
        (BEFORE, "up"), ("2024-03-04T10:00", "Outage"), ("2024-03-04T11:00", "DEGRADED")
    )
    got = spans(make_sla(), event_list)
    assert got == [("00:00", "10:00", "OK"), ("10:00", "11:00", "CRIT"), ("11:00", "00:00", "WARN")]


def test_unknown_state_in_an_event_is_an_error():
    with pytest.raises(StateError):
        spans(make_sla(), events((BEFORE, "WARNINGS")))


def test_events_in_any_order():
    changes = [("03:00", "CRIT"), ("04:00", "OK"), ("09:00", "WARN"), ("10:00", "OK")]
    ordered = events((BEFORE, "OK")) + day(*changes)
    expected = spans(make_sla(), ordered)
    shuffled = list(ordered)
    random.Random(3).shuffle(shuffled)
    assert spans(make_sla(), shuffled) == expected
    assert spans(make_sla(), reversed(ordered)) == expected


# --------------------------------------------------------------------------- unmonitored


def test_unmonitored_time_is_dropped():
    result = one(make_sla(), day(("10:00", "OK")))
    assert spans(make_sla(), day(("10:00", "OK"))) == [("10:00", "00:00", "OK")]
    assert result.considered_seconds == 14 * 3600
    assert result.value == 100.0


def test_unmonitored_with_include_unmonitored_is_unknown():
    sla = make_sla(include_unmonitored=True)
    assert spans(sla, day(("10:00", "OK"))) == [
        ("00:00", "10:00", "UNKNOWN"),
        ("10:00", "00:00", "OK"),
    ]
    result = one(sla, day(("10:00", "OK")))
    assert result.considered_seconds == 86400
    assert result.seconds == {"UNKNOWN": 36000.0, "OK": 50400.0}


def test_unmonitored_is_never_remapped_by_unknown_as():
    sla = make_sla(include_unmonitored=True, unknown_as="OK")
    got = spans(sla, day(("10:00", "UNKNOWN"), ("12:00", "OK")))
    assert got == [("00:00", "10:00", "UNKNOWN"), ("10:00", "00:00", "OK")]


def test_unmonitored_merges_with_unknown_class():
    sla = make_sla(include_unmonitored=True)
    got = spans(sla, day(("10:00", "UNKNOWN"), ("12:00", "OK")))
    assert got == [("00:00", "12:00", "UNKNOWN"), ("12:00", "00:00", "OK")]


@pytest.mark.parametrize("mode", ["honor", "exclude", "ignore"])
def test_unmonitored_is_never_downtime(mode):
    dts = downtimes(("2024-03-04T02:00", "2024-03-04T04:00"))
    included = make_sla(include_unmonitored=True, downtimes=mode)
    assert spans(included, day(("10:00", "OK")), dts) == [
        ("00:00", "10:00", "UNKNOWN"),
        ("10:00", "00:00", "OK"),
    ]
    assert spans(make_sla(downtimes=mode), day(("10:00", "OK")), dts) == [("10:00", "00:00", "OK")]


def test_no_events_at_all_is_nodata_or_unknown():
    assert spans(make_sla(), []) == []
    assert one(make_sla(), []).state == "NODATA"
    assert spans(make_sla(include_unmonitored=True), []) == [("00:00", "00:00", "UNKNOWN")]


# --------------------------------------------------------------------------- downtimes

INCIDENT = events((BEFORE, "OK"), ("2024-03-04T10:00", "CRIT"), ("2024-03-04T11:00", "OK"))
MAINTENANCE = downtimes(("2024-03-04T09:30", "2024-03-04T10:30"))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {},
            [("00:00", "09:30", "OK"), ("09:30", "10:30", "DOWNTIME"),
             ("10:30", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
        (
            {"downtimes": "exclude"},
            [("00:00", "09:30", "OK"), ("10:30", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
        (
            {"downtimes": "ignore"},
            [("00:00", "10:00", "OK"), ("10:00", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
        (
            {"downtime_ok_is_uptime": True},
            [("00:00", "10:00", "OK"), ("10:00", "10:30", "DOWNTIME"),
             ("10:30", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
        (
            {"downtimes": "exclude", "downtime_ok_is_uptime": True},
            [("00:00", "10:00", "OK"), ("10:30", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
        (
            {"downtimes": "ignore", "downtime_ok_is_uptime": True},
            [("00:00", "10:00", "OK"), ("10:00", "11:00", "CRIT"), ("11:00", "00:00", "OK")],
        ),
    ],
)  # fmt: skip
def test_downtime_modes(options, expected):
    assert spans(make_sla(**options), INCIDENT, MAINTENANCE) == expected


def test_honor_counts_downtime_as_ok_for_percentage():
    result = one(make_sla(), INCIDENT, MAINTENANCE)
    assert result.seconds == {"OK": 81000.0, "DOWNTIME": 3600.0, "CRIT": 1800.0}
    assert result.value == 100 * (81000.0 + 3600.0) / 86400.0
    assert result.considered_seconds == 86400.0


def test_exclude_drops_downtime_from_considered():
    result = one(make_sla(downtimes="exclude"), INCIDENT, MAINTENANCE)
    assert result.considered_seconds == 82800.0
    assert result.seconds == {"OK": 81000.0, "CRIT": 1800.0}
    assert result.value == 100 * 81000.0 / 82800.0


def test_downtime_does_not_count_for_a_crit_requirement():
    sla = make_sla(requirements=[percentage("CRIT", 10.0, "max")])
    result = one(sla, INCIDENT, MAINTENANCE)
    assert result.value == 100 * 1800.0 / 86400.0


def test_downtime_is_never_an_outage():
    sla = make_sla(requirements=[outages("CRIT", 0, 0)])
    result = one(sla, INCIDENT, MAINTENANCE)
    assert [(o.start, o.end, o.seconds) for o in result.outages] == [
        (at("2024-03-04T10:30"), at("2024-03-04T11:00"), 1800.0)
    ]


def test_overlapping_and_touching_downtimes_are_one_downtime():
    dts = downtimes(
        ("2024-03-04T09:00", "2024-03-04T10:00"),
        ("2024-03-04T09:30", "2024-03-04T10:30"),
        ("2024-03-04T10:30", "2024-03-04T10:45"),
    )
    sla = make_sla(merge_phases=False)
    got = spans(sla, events((BEFORE, "OK")), dts)
    assert got == [
        ("00:00", "09:00", "OK"),
        ("09:00", "10:45", "DOWNTIME"),
        ("10:45", "00:00", "OK"),
    ]


def test_downtime_outside_the_period_changes_nothing():
    dts = downtimes(("2024-03-03T09:00", "2024-03-04T00:00"), ("2024-03-05T00:00", "2024-03-06"))
    assert spans(make_sla(), events((BEFORE, "OK")), dts) == [("00:00", "00:00", "OK")]


def test_downtime_over_the_whole_period_with_exclude_is_nodata():
    dts = downtimes(("2024-03-03T09:00", "2024-03-05T01:00"))
    assert one(make_sla(downtimes="exclude"), events((BEFORE, "CRIT")), dts).state == "NODATA"


def test_downtime_ok_is_uptime_keeps_problems_inside_the_downtime():
    event_list = events((BEFORE, "OK"), ("2024-03-04T10:00", "WARN"), ("2024-03-04T10:10", "OK"))
    sla = make_sla(downtime_ok_is_uptime=True)
    got = spans(sla, event_list, MAINTENANCE)
    assert got == [
        ("00:00", "10:00", "OK"),
        ("10:00", "10:10", "DOWNTIME"),
        ("10:10", "00:00", "OK"),
    ]


# --------------------------------------------------------------------------- grouping


@pytest.mark.parametrize(
    ("options", "warn_class", "unknown_class"),
    [
        ({}, "WARN", "UNKNOWN"),
        ({"warn_as": "OK"}, "OK", "UNKNOWN"),
        ({"warn_as": "CRIT"}, "CRIT", "UNKNOWN"),
        ({"warn_as": "UNKNOWN", "unknown_as": "CRIT"}, "UNKNOWN", "CRIT"),  # never chains
        ({"warn_as": "CRIT", "unknown_as": "WARN"}, "CRIT", "WARN"),  # never chains
        ({"unknown_as": "OK"}, "WARN", "OK"),
        ({"warn_as": "degraded", "unknown_as": "down"}, "WARN", "CRIT"),
    ],
)
def test_grouping_maps_the_raw_state_once(options, warn_class, unknown_class):
    event_list = day(
        ("00:00", "OK"),
        ("01:00", "WARN"),
        ("02:00", "OK"),
        ("03:00", "UNKNOWN"),
        ("04:00", "OK"),
        ("05:00", "CRIT"),
        ("06:00", "OK"),
    )
    sla = make_sla(merge_phases=False, **options)
    classes = [klass for _, _, klass in spans(sla, event_list)]
    assert classes == ["OK", warn_class, "OK", unknown_class, "OK", "CRIT", "OK"]


def test_grouped_spans_merge():
    event_list = day(("00:00", "OK"), ("10:00", "WARN"), ("11:00", "CRIT"), ("12:00", "OK"))
    got = spans(make_sla(warn_as="CRIT"), event_list)
    assert got == [("00:00", "10:00", "OK"), ("10:00", "12:00", "CRIT"), ("12:00", "00:00", "OK")]


def test_raw_state_of_a_merged_span_is_the_worst():
    from sla.engine import period_timeline

    event_list = day(("00:00", "OK"), ("10:00", "WARN"), ("11:00", "CRIT"), ("12:00", "OK"))
    result = period_timeline(
        make_sla(warn_as="CRIT"),
        0,
        event_list,
        [],
        at("2024-03-04"),
        at("2024-03-05"),
        at("2024-03-04T12:30"),
    )
    assert [(s.raw_state, s.klass) for s in result] == [
        ("OK", "OK"),
        ("CRIT", "CRIT"),
        ("OK", "OK"),
    ]
    assert result[-1].end == at("2024-03-04T12:30")


# --------------------------------------------------------------------------- time period

BUSINESS = {
    day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}


def test_time_outside_the_time_period_is_dropped():
    event_list = day(("00:00", "OK"), ("07:00", "CRIT"), ("09:00", "OK"))
    sla = make_sla(time_period=BUSINESS)
    assert spans(sla, event_list) == [("08:00", "09:00", "CRIT"), ("09:00", "18:00", "OK")]
    result = one(sla, event_list)
    assert result.considered_seconds == 36000.0
    assert result.seconds == {"CRIT": 3600.0, "OK": 32400.0}


def test_spans_either_side_of_dropped_time_never_merge():
    sla = make_sla(time_period={"monday": ["08:00-12:00", "13:00-18:00"]})
    got = spans(sla, events((BEFORE, "OK")))
    assert got == [("08:00", "12:00", "OK"), ("13:00", "18:00", "OK")]


def test_requirement_time_period_overrides_the_slas():
    sla = make_sla(
        time_period=BUSINESS,
        requirements=[percentage(), percentage(time_period={"monday": ["00:00-06:00"]})],
    )
    event_list = day(("00:00", "CRIT"), ("03:00", "OK"))
    assert spans(sla, event_list, index=0) == [("08:00", "18:00", "OK")]
    assert spans(sla, event_list, index=1) == [("00:00", "03:00", "CRIT"), ("03:00", "06:00", "OK")]


def test_holiday_exception_gives_nodata():
    sla = make_sla(time_period={**BUSINESS, "exceptions": {"2024-03-04": []}})
    assert one(sla, events((BEFORE, "CRIT"))).state == "NODATA"


# --------------------------------------------------------------------------- merge_phases


def test_merge_phases_false_keeps_every_cut():
    event_list = day(
        ("00:00", "OK"), ("06:00", "OK"), ("10:00", "CRIT"), ("10:30", "CRIT"), ("11:00", "OK")
    )
    dts = downtimes(("2024-03-04T12:00", "2024-03-04T13:00"))
    # Touching ranges (12:30) form one active interval: no time-period edge there.
    time_period = {"monday": ["00:00-12:30", "12:30-15:00", "16:00-24:00"]}
    sla = make_sla(merge_phases=False, downtime_ok_is_uptime=True, time_period=time_period)
    assert spans(sla, event_list, dts) == [
        ("00:00", "06:00", "OK"),
        ("06:00", "10:00", "OK"),
        ("10:00", "10:30", "CRIT"),
        ("10:30", "11:00", "CRIT"),
        ("11:00", "12:00", "OK"),
        ("12:00", "13:00", "OK"),  # downtime edges cut (raw OK counts as uptime)
        ("13:00", "15:00", "OK"),
        ("16:00", "00:00", "OK"),
    ]
    merged = make_sla(downtime_ok_is_uptime=True, time_period=time_period)
    assert spans(merged, event_list, dts) == [
        ("00:00", "10:00", "OK"),
        ("10:00", "11:00", "CRIT"),
        ("11:00", "15:00", "OK"),
        ("16:00", "00:00", "OK"),
    ]


def test_merge_phases_false_ignore_does_not_cut_at_downtimes():
    dts = downtimes(("2024-03-04T12:00", "2024-03-04T13:00"))
    sla = make_sla(merge_phases=False, downtimes="ignore")
    assert spans(sla, events((BEFORE, "OK")), dts) == [("00:00", "00:00", "OK")]


def test_merge_phases_false_changes_outages():
    event_list = day(("00:00", "OK"), ("10:00", "CRIT"), ("10:30", "CRIT"), ("11:00", "OK"))
    requirement = outages("CRIT", 5, 0)
    merged = one(make_sla(requirements=[requirement]), event_list)
    cut = one(make_sla(requirements=[requirement], merge_phases=False), event_list)
    assert [o.seconds for o in merged.outages] == [3600.0]
    assert [o.seconds for o in cut.outages] == [1800.0, 1800.0]


# --------------------------------------------------------------------------- melting


def melted(pairs, threshold=300, **options):
    return spans(make_sla(short_interval_seconds=threshold, **options), day(*pairs))


def test_short_inner_span_between_equal_neighbours_melts():
    got = melted([("00:00", "OK"), ("10:00", "CRIT"), ("10:02", "OK")])
    assert got == [("00:00", "00:00", "OK")]


def test_threshold_is_inclusive():
    pairs = [("00:00", "OK"), ("10:00", "CRIT"), ("10:05", "OK")]
    assert melted(pairs, 300) == [("00:00", "00:00", "OK")]
    assert len(melted(pairs, 299.5)) == 3


def test_first_and_last_spans_never_melt():
    got = melted([("00:00", "CRIT"), ("00:01", "OK"), ("23:59", "CRIT")])
    assert got == [("00:00", "00:01", "CRIT"), ("00:01", "23:59", "OK"), ("23:59", "00:00", "CRIT")]


def test_neighbours_of_different_classes_keep_a_short_span():
    got = melted([("00:00", "OK"), ("10:00", "CRIT"), ("10:01", "WARN")])
    assert [k for _, _, k in got] == ["OK", "CRIT", "WARN"]


def test_neighbours_must_touch():
    sla = make_sla(
        short_interval_seconds=300, time_period={"monday": ["08:00-12:00", "12:05-18:00"]}
    )
    got = spans(sla, day(("00:00", "OK"), ("12:00", "CRIT"), ("12:06", "OK")))
    assert got == [("08:00", "12:00", "OK"), ("12:05", "12:06", "CRIT"), ("12:06", "18:00", "OK")]


def test_a_span_changed_earlier_in_the_scan_counts_with_its_new_class():
    # OK | CRIT 60 s | OK 60 s | CRIT...: the CRIT takes OK, then the short OK has the
    # (new) OK on its left and CRIT on its right, so it stays OK.
    got = melted([("00:00", "OK"), ("12:00", "CRIT"), ("12:01", "OK"), ("12:02", "CRIT")])
    assert got == [("00:00", "12:02", "OK"), ("12:02", "00:00", "CRIT")]


def test_melting_repeats_until_stable():
    # CRIT 60 | WARN 60 | CRIT 60 between OKs: first the WARN takes CRIT, the merged
    # 180 s CRIT is short too and melts into OK in the next scan.
    got = melted(
        [("00:00", "OK"), ("12:00", "CRIT"), ("12:01", "WARN"), ("12:02", "CRIT"), ("12:03", "OK")]
    )
    assert got == [("00:00", "00:00", "OK")]


def test_melting_without_merge_keeps_cuts():
    got = melted([("00:00", "OK"), ("10:00", "CRIT"), ("10:02", "OK")], merge_phases=False)
    assert got == [("00:00", "10:00", "OK"), ("10:00", "10:02", "OK"), ("10:02", "00:00", "OK")]


def test_melting_without_merge_still_repeats():
    got = melted(
        [("00:00", "OK"), ("12:00", "CRIT"), ("12:01", "WARN"), ("12:02", "CRIT"), ("12:03", "OK")],
        merge_phases=False,
    )
    # WARN takes CRIT (neighbours CRIT/CRIT); nothing merges, so the CRITs stay 60 s spans
    # with neighbours OK/CRIT and CRIT/OK: stable.
    assert [k for _, _, k in got] == ["OK", "CRIT", "CRIT", "CRIT", "OK"]


def test_melted_span_counts_with_its_new_class():
    sla = make_sla(short_interval_seconds=300, requirements=[outages("CRIT", 0, 0)])
    result = one(sla, day(("00:00", "OK"), ("10:00", "CRIT"), ("10:02", "OK")))
    assert result.count == 0
    assert result.state == "OK"


def test_melting_never_crosses_downtime_class_boundaries_unless_equal():
    dts = downtimes(("2024-03-04T10:00", "2024-03-04T12:00"))
    got = spans(
        make_sla(short_interval_seconds=300),
        day(("00:00", "OK"), ("11:00", "CRIT"), ("11:01", "OK")),
        dts,
    )
    assert got == [
        ("00:00", "10:00", "OK"),
        ("10:00", "12:00", "DOWNTIME"),
        ("12:00", "00:00", "OK"),
    ]


# --------------------------------------------------------------------------- raw timeline


def test_state_timeline_has_unmonitored_and_merges_repeats():
    event_list = events(
        ("2024-03-04T06:00", "OK"),
        ("2024-03-04T07:00", "ok"),
        ("2024-03-04T08:00", "CRIT"),
        ("2024-03-04T09:00", "OK"),
    )
    got = state_timeline(event_list, at("2024-03-04"), at("2024-03-04T12:00"))
    assert [(s.start.hour, s.end.hour, s.raw_state, s.klass) for s in got] == [
        (0, 6, "UNMONITORED", "UNMONITORED"),
        (6, 8, "OK", "OK"),
        (8, 9, "CRIT", "CRIT"),
        (9, 12, "OK", "OK"),
    ]


def test_period_timeline_before_now_is_empty_and_cut_at_now():
    from sla.engine import period_timeline

    sla = make_sla()
    event_list = events((BEFORE, "OK"))
    start, end = at("2024-03-04"), at("2024-03-05")
    assert period_timeline(sla, 0, event_list, [], start, end, at("2024-03-03")) == []
    (span,) = period_timeline(sla, 0, event_list, [], start, end, at("2024-03-04T06:00"))
    assert (span.start, span.end, span.raw_state, span.klass) == (
        start,
        at("2024-03-04T06:00"),
        "OK",
        "OK",
    )


def test_non_string_state_is_rejected():
    from sla.engine import Event

    with pytest.raises(StateError):
        spans(make_sla(), [Event(at(BEFORE), 1.0)])
