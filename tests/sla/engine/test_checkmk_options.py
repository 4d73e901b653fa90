"""Service period, notification period and flapping (SLA-SEMANTICS.md sections 1-3)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import (
    Event,
    EventTimes,
    Interval,
    SpecError,
    evaluate,
    inputs_start,
    parse_sla,
    parse_time_period,
    period_timeline,
)
from sla.engine.flapping import detected_intervals, flag_intervals, prepare_flags, state_changes
from sla.engine.instants import to_micros
from sla.engine.spec import FlapDetection

DAY = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
M = timedelta(minutes=1)
FAR = datetime(2100, 1, 1, tzinfo=UTC)
WEEKDAYS_8_20 = parse_time_period(
    {day: ["08:00-20:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
)
ALWAYS = parse_time_period(
    {
        day: ["00:00-24:00"]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
)


def sla(**options):
    return parse_sla(
        {
            "period": "daily",
            "options": options,
            "requirements": [
                {"title": "ok", "kind": "percentage", "state": "OK", "comparison": "min",
                 "target": 99},
                {"title": "crit", "kind": "outages", "state": "CRIT", "max_count": 0,
                 "min_duration_seconds": 0},
            ],
        }
    )  # fmt: skip


def day_result(spec, events, downtimes=(), **periods):
    (period,) = evaluate(spec, events, list(downtimes), DAY, DAY + 24 * H, FAR, **periods)
    return period


def seconds(period, index=0):
    return period.requirements[index].seconds


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("options", "field", "fragment"),
    [
        ({"service_period": "always"}, "sla.options.service_period", "one of"),
        ({"notification_period": "yes"}, "sla.options.notification_period", "one of"),
        ({"flapping": "count"}, "sla.options.flapping", "one of"),
        ({"flap_detection": {"changes": 1, "window_seconds": 60}},
         "sla.options.flap_detection.changes", ">= 2"),
        ({"flap_detection": {"changes": 3, "window_seconds": 0}},
         "sla.options.flap_detection.window_seconds", "> 0"),
        ({"flap_detection": {"changes": 3, "window_seconds": -5}},
         "sla.options.flap_detection.window_seconds", "> 0"),
        ({"flap_detection": {"changes": 3}}, "sla.options.flap_detection.window_seconds",
         "required"),
        ({"flap_detection": {"changes": 2.5, "window_seconds": 9}},
         "sla.options.flap_detection.changes", "whole"),
        ({"flap_detection": {"changes": 3, "window_seconds": 9, "x": 1}},
         "sla.options.flap_detection.x", "unknown"),
        ({"flap_detection": [3, 60]}, "sla.options.flap_detection", "object"),
    ],
)  # fmt: skip
def test_bad_options_name_the_field(options, field, fragment):
    with pytest.raises(SpecError) as error:
        sla(**options)
    assert error.value.field == field
    assert fragment in error.value.message


def test_defaults_and_round_trip():
    from sla.engine import sla_to_json

    spec = sla()
    assert spec.options.service_period == "honor"
    assert spec.options.notification_period == "ignore"
    assert spec.options.flapping == "ignore"
    assert spec.options.flap_detection is None
    detected = sla(flapping="consider", flap_detection={"changes": 3, "window_seconds": 90.5})
    assert parse_sla(sla_to_json(detected)) == detected


# --------------------------------------------------------------------------- service period


def test_service_period_drops_time_outside_and_cuts_spans_at_its_edges():
    events = [Event(DAY, "OK"), Event(DAY + 7 * H, "CRIT"), Event(DAY + 9 * H, "OK")]
    period = day_result(sla(), events, service_period=WEEKDAYS_8_20)
    assert period.requirements[0].considered_seconds == 12 * 3600
    assert seconds(period) == {"CRIT": 3600.0, "OK": 11 * 3600.0}
    (outage,) = period.requirements[1].outages
    assert (outage.start, outage.end) == (DAY + 8 * H, DAY + 9 * H)
    ignored = day_result(sla(service_period="ignore"), events, service_period=WEEKDAYS_8_20)
    assert seconds(ignored) == {"OK": 22 * 3600.0, "CRIT": 7200.0}


def test_outside_the_service_period_comes_before_unmonitored():
    """Rule 1 before rule 2: unmonitored time outside the service time is dropped even
    with include_unmonitored."""
    events = [Event(DAY + 10 * H, "OK")]
    period = day_result(sla(include_unmonitored=True), events, service_period=WEEKDAYS_8_20)
    assert seconds(period) == {"UNKNOWN": 7200.0, "OK": 10 * 3600.0}


def test_unmonitored_comes_before_the_notification_period():
    """Rule 2 before rule 3: unmonitored time outside the notification period still
    counts as UNKNOWN with include_unmonitored, monitored time there is dropped."""
    events = [Event(DAY + 10 * H, "OK")]
    spec = sla(include_unmonitored=True, notification_period="honor")
    period = day_result(spec, events, notification_period=WEEKDAYS_8_20)
    assert seconds(period) == {"UNKNOWN": 10 * 3600.0, "OK": 10 * 3600.0}
    ignored = day_result(sla(include_unmonitored=True), events, notification_period=WEEKDAYS_8_20)
    assert seconds(ignored) == {"UNKNOWN": 10 * 3600.0, "OK": 14 * 3600.0}


def test_notification_period_comes_before_downtimes():
    events = [Event(DAY, "CRIT")]
    downtimes = [Interval(DAY + 6 * H, DAY + 10 * H)]
    spec = sla(notification_period="honor")
    period = day_result(spec, events, downtimes, notification_period=WEEKDAYS_8_20)
    assert seconds(period) == {"DOWNTIME": 7200.0, "CRIT": 10 * 3600.0}


def test_merge_phases_false_keeps_the_cut_at_a_service_period_edge():
    """Spans are cut at the edges of the periods that apply; with merge_phases false the
    cut stays (two spans), with true they merge where they touch."""
    events = [Event(DAY, "OK")]
    touching = parse_time_period({"monday": ["08:00-12:00", "12:00-20:00"]})
    assert len(day_timeline(sla(merge_phases=False), events, touching)) == 1  # one interval
    split = parse_time_period({"monday": ["08:00-12:00", "13:00-20:00"]})
    assert len(day_timeline(sla(merge_phases=False), events, split)) == 2


def day_timeline(spec, events, service_period):
    return period_timeline(
        spec, 0, events, [], DAY, DAY + 24 * H, FAR, service_period=service_period
    )


# --------------------------------------------------------------------------- flapping


def test_flag_is_carried_until_an_event_sets_it_otherwise():
    flags = prepare_flags([(5, True), (1, False), (9, False), (12, True), (5, False)])
    assert flags == [(1, False), (5, True), (9, False), (12, True)]
    assert flag_intervals(flags)[0] == (5, 9)
    assert flag_intervals(flags)[1][0] == 12


def test_detection_is_the_union_of_windows_of_n_consecutive_changes():
    assert state_changes([0, 10, 20, 30, 40], ["OK", "CRIT", "CRIT", "OK", "WARN"]) == [10, 30, 40]
    detection = FlapDetection(changes=3, window_seconds=60)
    window = 60_000_000
    changes = [0, 10, 20, 200_000_000]
    # [c(2), c(0)+W) and [c(3), c(1)+W) (empty: c(3) is beyond)
    assert detected_intervals(changes, detection) == [(20, window)]
    # two changes at exactly W apart do not overlap: (t-W, t] is open on the left
    assert detected_intervals([0, window], FlapDetection(2, 60)) == []


def test_flapping_is_only_classified_with_consider():
    events = [
        Event(DAY, "OK"),
        Event(DAY + 10 * H, "CRIT", flapping=True),
        Event(DAY + 10 * H + 10 * M, "OK", flapping=False),
    ]
    considered = day_result(sla(flapping="consider"), events)
    assert seconds(considered) == {"OK": 86400.0 - 600, "FLAPPING": 600.0}
    assert considered.requirements[1].count == 0
    ignored = day_result(sla(), events)
    assert seconds(ignored) == {"OK": 86400.0 - 600, "CRIT": 600.0}
    assert ignored.requirements[1].count == 1


def test_downtime_comes_before_flapping_unless_ok_is_uptime():
    events = [Event(DAY, "OK", flapping=True)]
    downtimes = [Interval(DAY, DAY + H)]
    spec = sla(flapping="consider")
    assert seconds(day_result(spec, events, downtimes)) == {
        "DOWNTIME": 3600.0,
        "FLAPPING": 23 * 3600.0,
    }
    spec = sla(flapping="consider", downtime_ok_is_uptime=True)
    assert seconds(day_result(spec, events, downtimes)) == {"FLAPPING": 86400.0}


def test_detection_looks_back_across_the_period_start():
    detection = {"changes": 3, "window_seconds": 3600}
    spec = sla(flapping="consider", flap_detection=detection)
    before = DAY - 30 * M
    events = [
        Event(DAY - 2 * H, "OK"),
        Event(before, "CRIT"),
        Event(before + 10 * M, "OK"),
        Event(before + 20 * M, "CRIT"),  # third change at 23:50: flapping until 00:30
        Event(DAY + 2 * H, "OK"),
    ]
    period = day_result(spec, events)
    assert seconds(period) == {"FLAPPING": 1800.0, "CRIT": 5400.0, "OK": 22 * 3600.0}
    assert inputs_start(spec, DAY + 5 * H) == DAY - H


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPAN = 4 * 86400
STATES = ["OK", "WARN", "CRIT", "UNKNOWN"]
PERIODS = [None, WEEKDAYS_8_20, parse_time_period({"monday": ["00:00-03:00", "22:00-24:00"]})]
options_strategy = st.fixed_dictionaries(
    {},
    optional={
        "downtimes": st.sampled_from(["honor", "exclude", "ignore"]),
        "merge_phases": st.booleans(),
        "include_unmonitored": st.booleans(),
        "short_interval_seconds": st.sampled_from([0, 600]),
        "outage_split": st.sampled_from(["per_period", "start_period"]),
        "service_period": st.sampled_from(["honor", "ignore"]),
        "notification_period": st.sampled_from(["honor", "ignore"]),
        "flapping": st.sampled_from(["ignore", "consider"]),
        "flap_detection": st.fixed_dictionaries(
            {"changes": st.integers(2, 4), "window_seconds": st.sampled_from([300, 5400, 86400])}
        ),
    },
)


@st.composite
def scenarios(draw):
    spec = sla(**draw(options_strategy))
    offsets = st.integers(-86400, SPAN)
    flags = st.sampled_from([None, None, True, False])
    events = [
        Event(DAY + timedelta(seconds=offset), state, flag)
        for offset, state, flag in draw(
            st.lists(st.tuples(offsets, st.sampled_from(STATES), flags), max_size=40)
        )
    ]
    downtimes = [
        Interval(DAY + timedelta(seconds=start), DAY + timedelta(seconds=start + length))
        for start, length in draw(st.lists(st.tuples(offsets, st.integers(1, 20000)), max_size=3))
    ]
    periods = {
        "service_period": draw(st.sampled_from(PERIODS)),
        "notification_period": draw(st.sampled_from(PERIODS)),
    }
    return spec, events, downtimes, periods


def run(spec, events, downtimes, periods, start=DAY):
    return evaluate(spec, events, downtimes, start, DAY + timedelta(seconds=SPAN), FAR, **periods)


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_detection_and_flags_do_not_depend_on_event_order(scenario, rng):
    spec, events, downtimes, periods = scenario
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert run(spec, shuffled, downtimes, periods) == run(spec, events, downtimes, periods)


@SETTINGS
@given(scenarios())
def test_bulk_inputs_with_flags_give_the_same_results(scenario):
    spec, events, downtimes, periods = scenario
    bulk = EventTimes(
        [(to_micros(e.at), e.state) for e in events],
        [(to_micros(e.at), e.flapping) for e in events if e.flapping is not None],
    )
    assert run(spec, bulk, downtimes, periods) == run(spec, events, downtimes, periods)


@SETTINGS
@given(scenarios())
def test_an_option_that_is_off_or_a_24x7_period_changes_nothing(scenario):
    spec, events, downtimes, periods = scenario
    plain = run(spec, events, downtimes, {})
    options = spec.options
    if options.service_period == "ignore" and options.notification_period == "ignore":
        assert run(spec, events, downtimes, periods) == plain
    always = {"service_period": ALWAYS, "notification_period": ALWAYS}
    assert run(spec, events, downtimes, always) == plain
    if options.flapping == "ignore":
        unflagged = [Event(e.at, e.state) for e in events]
        assert run(spec, unflagged, downtimes, {}) == plain


@SETTINGS
@given(scenarios(), st.integers(0, 3 * 86400))
def test_result_does_not_depend_on_where_the_inputs_start(scenario, range_offset):
    """Inputs read from inputs_start (plus the state and flag in force there) give the
    same periods as the whole history."""
    spec, events, downtimes, periods = scenario
    range_from = DAY + timedelta(seconds=range_offset)
    whole = run(spec, events, downtimes, periods, range_from)
    cut = inputs_start(spec, range_from)
    assert run(spec, read_from(events, cut), downtimes, periods, range_from) == whole


def read_from(events, cut):
    """What a reader starting at ``cut`` gets: the events from the last instant before it
    on, and the flag in force at ``cut`` carried on the first of them."""
    earlier = [e for e in events if e.at < cut]
    if not earlier:
        return list(events)
    last = max(e.at for e in earlier)
    flagged = [e for e in earlier if e.flapping is not None]
    flag = None
    if flagged:
        flag_at = max(e.at for e in flagged)
        flag = any(e.flapping for e in flagged if e.at == flag_at)
    kept = [e for e in events if e.at >= last]
    initial = [e for e in kept if e.at == last]
    if flag is not None and all(e.flapping is None for e in initial):
        kept = [Event(e.at, e.state, flag) if e.at == last else e for e in kept]
    return kept
