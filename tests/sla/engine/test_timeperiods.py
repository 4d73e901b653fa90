from datetime import UTC, datetime, timedelta

import pytest

from sla.engine import active_intervals, contains, parse_time_period
from sla.engine.timeperiods import mask_micros

from .helpers import at

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
BUSINESS = parse_time_period({day: ["08:00-18:00"] for day in WEEKDAYS}, "tp")


def iso(intervals):
    return [
        (
            datetime.fromtimestamp(start, UTC).isoformat()[:16],
            datetime.fromtimestamp(end, UTC).isoformat()[:16],
        )
        for start, end in intervals
    ]


def test_none_is_24x7():
    assert active_intervals(None, "UTC", at("2024-03-04"), at("2024-03-05")) == [
        (at("2024-03-04").timestamp(), at("2024-03-05").timestamp())
    ]


def test_business_hours_week_utc():
    got = iso(active_intervals(BUSINESS, "UTC", at("2024-03-04"), at("2024-03-11")))
    assert got == [(f"2024-03-0{day}T08:00", f"2024-03-0{day}T18:00") for day in (4, 5, 6, 7, 8)]


def test_accepts_epoch_seconds_too():
    start, end = at("2024-03-04").timestamp(), at("2024-03-05").timestamp()
    assert active_intervals(BUSINESS, "UTC", start, end) == [(start + 8 * 3600, start + 18 * 3600)]


def test_clipped_to_the_requested_range():
    got = iso(active_intervals(BUSINESS, "UTC", at("2024-03-04T12:00"), at("2024-03-05T09:00")))
    assert got == [
        ("2024-03-04T12:00", "2024-03-04T18:00"),
        ("2024-03-05T08:00", "2024-03-05T09:00"),
    ]


def test_exceptions_replace_the_weekday_and_empty_is_a_holiday():
    tp = parse_time_period(
        {
            "monday": ["08:00-18:00"],
            "tuesday": ["08:00-18:00"],
            "exceptions": {
                "2024-03-04": [],
                "2024-03-05": ["10:00-11:00", "12:00-13:00"],
                "2024-03-09": ["09:00-10:00"],
            },
        },
        "tp",
    )
    got = iso(active_intervals(tp, "UTC", at("2024-03-04"), at("2024-03-12")))
    assert got == [
        ("2024-03-05T10:00", "2024-03-05T11:00"),
        ("2024-03-05T12:00", "2024-03-05T13:00"),
        ("2024-03-09T09:00", "2024-03-09T10:00"),
        ("2024-03-11T08:00", "2024-03-11T18:00"),
    ]


def test_24_00_end_and_touching_ranges_form_one_interval():
    tp = parse_time_period(
        {
            "monday": ["00:00-12:00", "12:00-24:00"],
            "tuesday": ["00:00-06:00"],
            "wednesday": ["22:00-24:00"],
        },
        "tp",
    )
    got = iso(active_intervals(tp, "UTC", at("2024-03-04"), at("2024-03-11")))
    assert got == [
        ("2024-03-04T00:00", "2024-03-05T06:00"),
        ("2024-03-06T22:00", "2024-03-07T00:00"),
    ]


def test_weekday_times_are_wall_clock_in_the_timezone():
    # Berlin business hours: CET (UTC+1) before 31 March 2024, CEST (UTC+2) after.
    got = iso(active_intervals(BUSINESS, "Europe/Berlin", at("2024-03-29"), at("2024-04-02")))
    assert got == [
        ("2024-03-29T07:00", "2024-03-29T17:00"),
        ("2024-04-01T06:00", "2024-04-01T16:00"),
    ]
    ny = iso(active_intervals(BUSINESS, "America/New_York", at("2024-03-08"), at("2024-03-12")))
    assert ny == [
        ("2024-03-08T13:00", "2024-03-08T23:00"),
        ("2024-03-11T12:00", "2024-03-11T22:00"),
    ]


@pytest.mark.parametrize(
    ("tz", "day", "ranges", "expected_hours"),
    [
        ("Europe/Berlin", "2024-03-31", ["00:00-24:00"], 23),
        ("Europe/Berlin", "2024-10-27", ["00:00-24:00"], 25),
        ("Europe/Berlin", "2024-03-31", ["02:00-03:00"], 0),  # skipped hour
        ("Europe/Berlin", "2024-03-31", ["01:00-04:00"], 2),
        ("Europe/Berlin", "2024-10-27", ["02:00-03:00"], 2),  # repeated hour
        ("Europe/Berlin", "2024-10-27", ["00:00-02:30"], 3),
        ("America/New_York", "2024-03-10", ["00:00-24:00"], 23),
        ("America/New_York", "2024-11-03", ["00:00-24:00"], 25),
        ("America/New_York", "2024-11-03", ["08:00-18:00"], 10),
        ("America/Santiago", "2024-09-08", ["00:00-01:00"], 0),  # nonexistent midnight
        ("America/Santiago", "2024-09-08", ["00:00-02:00"], 1),
        ("America/Santiago", "2024-09-08", ["00:00-24:00"], 23),
        ("Asia/Beirut", "2024-10-26", ["23:00-24:00"], 2),  # 23:00-24:00 happens twice
    ],
)
def test_dst_days(tz, day, ranges, expected_hours):
    local_day = datetime.fromisoformat(day).date()
    tp = parse_time_period({"exceptions": {day: ranges}}, "tp")
    start, end = at(day) - timedelta(days=1), at(day) + timedelta(days=2)
    total = sum(b - a for a, b in active_intervals(tp, tz, start, end))
    assert total == expected_hours * 3600
    assert all(local_day == contains_day(tz, a) for a, _ in active_intervals(tp, tz, start, end))


def contains_day(tz, seconds):
    from zoneinfo import ZoneInfo

    return datetime.fromtimestamp(seconds, ZoneInfo(tz)).date()


def test_repeated_hour_is_two_utc_intervals_when_not_contiguous():
    tp = parse_time_period({"exceptions": {"2024-10-27": ["00:00-02:30"]}}, "tp")
    got = iso(active_intervals(tp, "Europe/Berlin", at("2024-10-26"), at("2024-10-28")))
    assert got == [
        ("2024-10-26T22:00", "2024-10-27T00:30"),
        ("2024-10-27T01:00", "2024-10-27T01:30"),
    ]


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York", "America/Santiago"])
def test_contains_agrees_with_active_intervals(tz):
    tp = parse_time_period(
        {
            "monday": ["00:00-02:30", "08:00-18:00"],
            "saturday": ["01:00-03:00", "23:00-24:00"],
            "sunday": ["00:00-01:30", "02:15-24:00"],
            "exceptions": {"2024-09-08": ["00:00-00:45", "03:00-04:00"]},
        },
        "tp",
    )
    for range_start in ("2024-03-08", "2024-03-29", "2024-09-06", "2024-10-25", "2024-11-01"):
        start = at(range_start)
        end = start + timedelta(days=4)
        intervals = active_intervals(tp, tz, start, end)
        instant = start
        while instant < end:
            seconds = instant.timestamp()
            inside = any(a <= seconds < b for a, b in intervals)
            assert inside == contains(tp, tz, instant), (tz, instant)
            instant += timedelta(minutes=15)


def test_contains_none_is_always():
    assert contains(None, "UTC", at("2024-03-04T03:00"))


def test_contains_rejects_naive():
    with pytest.raises(ValueError, match="naive"):
        contains(BUSINESS, "UTC", datetime(2024, 3, 4))


def test_masks_are_cached_per_time_period_timezone_and_range():
    start, end = at("2031-01-06").timestamp(), at("2031-01-13").timestamp()
    start_micros, end_micros = int(start) * 1_000_000, int(end) * 1_000_000
    first = mask_micros(BUSINESS, "Europe/Berlin", start_micros, end_micros)
    before = mask_micros.cache_info().hits
    equal = parse_time_period({day: ["08:00-18:00"] for day in WEEKDAYS}, "tp")
    again = mask_micros(equal, "Europe/Berlin", start_micros, end_micros)
    assert again is first
    assert mask_micros.cache_info().hits == before + 1
    # The public function hands out a fresh list the caller may change.
    public = active_intervals(BUSINESS, "Europe/Berlin", start, end)
    public.clear()
    assert mask_micros(BUSINESS, "Europe/Berlin", start_micros, end_micros) == first
