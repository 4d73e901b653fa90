"""The engine against a deliberately naive second implementation of steps 1-6.

The oracle looks at every minute on its own (state by linear search, downtime by
``any``, time period by :func:`contains`) and builds spans from runs of equal minutes.
Events, downtimes and time-period ranges fall on whole minutes, so a per-minute view
is exact. Only ``merge_phases: true`` and ``outage_split: per_period`` are modelled.
Service period, notification period and flapping (flag carried from event to event,
detection by counting the changes in the window before each minute) are read straight
from the semantics' wording, in Checkmk's order.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.engine import (
    Event,
    Interval,
    contains,
    evaluate,
    normalize_state,
    parse_sla,
    parse_time_period,
)
from sla.engine.states import STATE_BADNESS

BASE = datetime(2024, 3, 30, tzinfo=UTC)  # Berlin switches to summer time on the 31st
DAYS = 3


def state_at(ordered, instant):
    raw = "UNMONITORED"
    for event in ordered:
        if event.at <= instant:
            raw = normalize_state(event.state)
    return raw


def flagged_at(events, instant):
    """The flag of the last flag-setting instant at or before ``instant`` (True wins)."""
    flags = [e for e in events if e.flapping is not None and e.at <= instant]
    if not flags:
        return False
    last = max(e.at for e in flags)
    return any(e.flapping for e in flags if e.at == last)


def detected_at(ordered, detection, instant):
    instants = sorted({e.at for e in ordered})
    changes = [
        later
        for earlier, later in pairwise(instants)
        if state_at(ordered, earlier) != state_at(ordered, later)
    ]
    window = timedelta(seconds=float(detection.window_seconds))
    return sum(1 for c in changes if instant - window < c <= instant) >= detection.changes


def oracle_spans(sla, requirement, events, downtimes, start, end, periods=(None, None)):
    options = sla.options
    service_period, notification_period = periods
    time_period = requirement.time_period or sla.time_period
    ordered = sorted(events, key=lambda e: (e.at, STATE_BADNESS[normalize_state(e.state)]))
    minutes = []
    instant = start
    while instant < end:
        raw = state_at(ordered, instant)
        in_downtime = options.downtimes != "ignore" and any(
            d.start <= instant < d.end for d in downtimes
        )
        flapping = options.flapping == "consider" and (
            flagged_at(events, instant)
            or (
                options.flap_detection is not None
                and detected_at(ordered, options.flap_detection, instant)
            )
        )
        if options.service_period == "honor" and not contains(
            service_period, sla.timezone, instant
        ):
            klass = None
        elif raw == "UNMONITORED":
            klass = "UNKNOWN" if options.include_unmonitored else None
        elif options.notification_period == "honor" and not contains(
            notification_period, sla.timezone, instant
        ):
            klass = None
        elif in_downtime and not (raw == "OK" and options.downtime_ok_is_uptime):
            klass = "DOWNTIME" if options.downtimes == "honor" else None
        elif flapping:
            klass = "FLAPPING"
        else:
            klass = {"WARN": options.warn_as, "UNKNOWN": options.unknown_as}.get(raw, raw)
        if klass is not None and contains(time_period, sla.timezone, instant):
            minutes.append((instant, klass))
        else:
            minutes.append((instant, None))
        instant += timedelta(minutes=1)
    spans = []  # [start, end, klass] runs of equal, kept minutes
    for minute, klass in minutes:
        if klass is None:
            continue
        following = minute + timedelta(minutes=1)
        if spans and spans[-1][1] == minute and spans[-1][2] == klass:
            spans[-1][1] = following
        else:
            spans.append([minute, following, klass])
    threshold = options.short_interval_seconds
    while threshold > 0:
        changed = False
        for index in range(1, len(spans) - 1):
            left, span, right = spans[index - 1], spans[index], spans[index + 1]
            short = (span[1] - span[0]).total_seconds() <= threshold
            touching = left[1] == span[0] and span[1] == right[0]
            if short and touching and left[2] == right[2] and span[2] != left[2]:
                span[2] = left[2]
                changed = True
        if not changed:
            break
        merged = []
        for span in spans:
            if merged and merged[-1][1] == span[0] and merged[-1][2] == span[2]:
                merged[-1][1] = span[1]
            else:
                merged.append(list(span))
        spans = merged
    return spans


def oracle_result(sla, requirement, events, downtimes, start, end, periods=(None, None)):
    spans = oracle_spans(sla, requirement, events, downtimes, start, end, periods)
    seconds = {}
    for span_start, span_end, klass in spans:
        seconds[klass] = seconds.get(klass, 0.0) + (span_end - span_start).total_seconds()
    considered = sum(seconds.values())
    if requirement.kind == "percentage":
        measured = seconds.get(requirement.state, 0.0)
        if sla.options.downtimes == "honor" and requirement.state == "OK":
            measured += seconds.get("DOWNTIME", 0.0)
        value = 100 * measured / considered if considered else None
        return considered, seconds, value
    outages = [
        (a, b)
        for a, b, klass in spans
        if klass == requirement.state
        and (b - a).total_seconds() >= requirement.min_duration_seconds
    ]
    return considered, seconds, outages


minute = st.integers(-24 * 60, DAYS * 24 * 60)


@st.composite
def scenarios(draw):
    options = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "downtimes": st.sampled_from(["honor", "exclude", "ignore"]),
                "downtime_ok_is_uptime": st.booleans(),
                "warn_as": st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN"]),
                "unknown_as": st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN"]),
                "short_interval_seconds": st.sampled_from([0, 60, 300, 1800]),
                "include_unmonitored": st.booleans(),
                "service_period": st.sampled_from(["honor", "ignore"]),
                "notification_period": st.sampled_from(["honor", "ignore"]),
                "flapping": st.sampled_from(["ignore", "consider"]),
                "flap_detection": st.fixed_dictionaries(
                    {
                        "changes": st.integers(2, 4),
                        "window_seconds": st.sampled_from([60, 900, 7200]),
                    }
                ),
            },
        )
    )
    time_period = draw(
        st.sampled_from(
            [
                None,
                {"saturday": ["08:00-18:00"], "sunday": ["01:00-04:00", "04:00-12:00"]},
                {"sunday": ["00:00-24:00"], "monday": ["00:30-02:00", "06:00-24:00"]},
            ]
        )
    )
    sla_obj = {
        "period": "daily",
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin"])),
        "options": options,
        "requirements": [
            {
                "title": "p",
                "kind": "percentage",
                "state": draw(st.sampled_from(["OK", "CRIT", "WARN"])),
                "comparison": "min",
                "target": 50,
            },
            {
                "title": "o",
                "kind": "outages",
                "state": draw(st.sampled_from(["CRIT", "UNKNOWN"])),
                "max_count": 1,
                "min_duration_seconds": draw(st.sampled_from([0, 120, 3600])),
            },
        ],
    }
    if time_period is not None:
        sla_obj["time_period"] = time_period
    states = st.sampled_from(["OK", "WARN", "CRIT", "UNKNOWN", "down"])
    flags = st.sampled_from([None, None, True, False])
    events = [
        Event(BASE + timedelta(minutes=m), s, f)
        for m, s, f in draw(st.lists(st.tuples(minute, states, flags), max_size=25))
    ]
    downtimes = [
        Interval(BASE + timedelta(minutes=m), BASE + timedelta(minutes=m + length))
        for m, length in draw(st.lists(st.tuples(minute, st.integers(1, 600)), max_size=3))
    ]
    service_periods = draw(st.tuples(SERVICE_PERIODS, SERVICE_PERIODS))
    return parse_sla(sla_obj), events, downtimes, service_periods


SERVICE_PERIODS = st.sampled_from(
    [
        None,
        parse_time_period({"saturday": ["07:00-20:00"], "sunday": ["00:00-10:30"]}),
        parse_time_period({"sunday": ["03:00-24:00"], "monday": ["00:00-01:00", "05:00-23:00"]}),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_agrees_with_the_per_minute_oracle(scenario):
    sla, events, downtimes, (service_period, notification_period) = scenario
    far = datetime(2100, 1, 1, tzinfo=UTC)
    periods = evaluate(
        sla,
        events,
        downtimes,
        BASE,
        BASE + timedelta(days=DAYS),
        far,
        service_period=service_period,
        notification_period=notification_period,
    )
    for period in periods:
        for requirement, result in zip(sla.requirements, period.requirements, strict=True):
            considered, seconds, measure = oracle_result(
                sla,
                requirement,
                events,
                downtimes,
                period.start,
                period.end,
                (service_period, notification_period),
            )
            assert result.considered_seconds == considered
            if requirement.kind == "percentage":
                assert (result.seconds or {}) == seconds
                assert list(result.seconds or {}) == list(seconds)
                assert result.value == measure
            else:
                assert [(o.start, o.end) for o in result.outages] == measure
