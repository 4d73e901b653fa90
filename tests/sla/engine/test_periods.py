from datetime import UTC, datetime
from itertools import pairwise

import pytest

from sla.engine import iter_periods, next_period, period_bounds, previous_period
from sla.engine.periods import day_start

from .helpers import at


def bounds(period, tz, instant):
    start, end = period_bounds(period, tz, at(instant))
    assert start.tzinfo is UTC and end.tzinfo is UTC
    return start.isoformat()[:16], end.isoformat()[:16], (end - start).total_seconds() / 3600


@pytest.mark.parametrize(
    ("period", "instant", "expected"),
    [
        ("daily", "2024-03-04T10:00", ("2024-03-04T00:00", "2024-03-05T00:00", 24)),
        ("daily", "2024-03-04T00:00", ("2024-03-04T00:00", "2024-03-05T00:00", 24)),
        ("daily", "2024-03-04T23:59:59.999999", ("2024-03-04T00:00", "2024-03-05T00:00", 24)),
        ("weekly", "2024-03-04T00:00", ("2024-03-04T00:00", "2024-03-11T00:00", 168)),
        ("weekly", "2024-03-10T23:59", ("2024-03-04T00:00", "2024-03-11T00:00", 168)),
        ("weekly", "2024-03-11T00:00", ("2024-03-11T00:00", "2024-03-18T00:00", 168)),
        ("weekly", "2024-01-01T12:00", ("2024-01-01T00:00", "2024-01-08T00:00", 168)),
        ("weekly", "2023-12-31T12:00", ("2023-12-25T00:00", "2024-01-01T00:00", 168)),
        ("monthly", "2024-02-29T12:00", ("2024-02-01T00:00", "2024-03-01T00:00", 29 * 24)),
        ("monthly", "2023-02-10T00:00", ("2023-02-01T00:00", "2023-03-01T00:00", 28 * 24)),
        ("monthly", "2024-12-31T23:00", ("2024-12-01T00:00", "2025-01-01T00:00", 31 * 24)),
        ("quarterly", "2024-01-01T00:00", ("2024-01-01T00:00", "2024-04-01T00:00", 91 * 24)),
        ("quarterly", "2024-05-15T00:00", ("2024-04-01T00:00", "2024-07-01T00:00", 91 * 24)),
        ("quarterly", "2024-09-30T23:59", ("2024-07-01T00:00", "2024-10-01T00:00", 92 * 24)),
        ("quarterly", "2024-12-31T23:59", ("2024-10-01T00:00", "2025-01-01T00:00", 92 * 24)),
        ("yearly", "2024-07-01T00:00", ("2024-01-01T00:00", "2025-01-01T00:00", 366 * 24)),
        ("yearly", "2023-01-01T00:00", ("2023-01-01T00:00", "2024-01-01T00:00", 365 * 24)),
    ],
)
def test_utc_calendar_bounds(period, instant, expected):
    assert bounds(period, "UTC", instant) == expected


# "<tz> <period> <instant> -> <start> <end> <hours>", instants in UTC.
LOCAL_CASES = [
    # Berlin: 31 March 2024 has 23 hours, 27 October 2024 has 25.
    "Europe/Berlin daily 2024-03-31T12:00 -> 2024-03-30T23:00 2024-03-31T22:00 23",
    "Europe/Berlin daily 2024-10-27T12:00 -> 2024-10-26T22:00 2024-10-27T23:00 25",
    "Europe/Berlin daily 2024-03-30T23:00 -> 2024-03-30T23:00 2024-03-31T22:00 23",
    "Europe/Berlin daily 2024-03-30T22:59:59 -> 2024-03-29T23:00 2024-03-30T23:00 24",
    "Europe/Berlin weekly 2024-03-31T12:00 -> 2024-03-24T23:00 2024-03-31T22:00 167",
    "Europe/Berlin weekly 2024-10-27T12:00 -> 2024-10-20T22:00 2024-10-27T23:00 169",
    "Europe/Berlin monthly 2024-03-10T00:00 -> 2024-02-29T23:00 2024-03-31T22:00 743",
    "Europe/Berlin monthly 2024-10-10T00:00 -> 2024-09-30T22:00 2024-10-31T23:00 745",
    "Europe/Berlin quarterly 2024-02-10T00:00 -> 2023-12-31T23:00 2024-03-31T22:00 2183",
    "Europe/Berlin yearly 2024-12-31T23:30 -> 2024-12-31T23:00 2025-12-31T23:00 8760",
    # New York: 10 March 2024 has 23 hours, 3 November 2024 has 25.
    "America/New_York daily 2024-03-10T12:00 -> 2024-03-10T05:00 2024-03-11T04:00 23",
    "America/New_York daily 2024-11-03T12:00 -> 2024-11-03T04:00 2024-11-04T05:00 25",
    "America/New_York monthly 2024-03-15T00:00 -> 2024-03-01T05:00 2024-04-01T04:00 743",
    "America/New_York monthly 2024-11-15T00:00 -> 2024-11-01T04:00 2024-12-01T05:00 721",
    "America/New_York weekly 2024-03-10T12:00 -> 2024-03-04T05:00 2024-03-11T04:00 167",
    # Santiago: local midnight of 8 September 2024 does not exist (00:00 -> 01:00).
    "America/Santiago daily 2024-09-08T12:00 -> 2024-09-08T04:00 2024-09-09T03:00 23",
    "America/Santiago daily 2024-09-07T12:00 -> 2024-09-07T04:00 2024-09-08T04:00 24",
    "America/Santiago weekly 2024-09-08T12:00 -> 2024-09-02T04:00 2024-09-09T03:00 167",
    # Beirut: DST starts at 00:00 (midnight skipped), ends at 00:00 (back to 23:00).
    "Asia/Beirut daily 2024-03-31T12:00 -> 2024-03-30T22:00 2024-03-31T21:00 23",
    "Asia/Beirut daily 2024-10-26T21:30 -> 2024-10-25T21:00 2024-10-26T22:00 25",
    "Asia/Beirut daily 2024-10-26T22:00 -> 2024-10-26T22:00 2024-10-27T22:00 24",
    # Havana: DST starts at 00:00 local too.
    "America/Havana daily 2024-03-10T12:00 -> 2024-03-10T05:00 2024-03-11T04:00 23",
    # Half-hour and odd offsets.
    "Asia/Kolkata daily 2024-03-04T12:00 -> 2024-03-03T18:30 2024-03-04T18:30 24",
    "Australia/Lord_Howe daily 2024-04-07T12:00 -> 2024-04-06T13:00 2024-04-07T13:30 24.5",
]


@pytest.mark.parametrize("case", LOCAL_CASES)
def test_local_calendar_bounds(case):
    tz, period, instant, _, start, end, hours = case.split()
    assert bounds(period, tz, instant) == (start, end, float(hours))


def test_nonexistent_midnight_starts_at_first_instant_of_the_day():
    start = day_start("America/Santiago", datetime(2024, 9, 8).date())
    assert start == at("2024-09-08T04:00")
    local = start.astimezone(__import__("zoneinfo").ZoneInfo("America/Santiago"))
    assert (local.hour, local.minute) == (1, 0)
    assert day_start("Asia/Beirut", datetime(2024, 3, 31).date()) == at("2024-03-30T22:00")


def test_a_date_skipped_entirely_gives_no_period():
    # Samoa skipped 30 December 2011 when it moved across the date line.
    periods = list(
        iter_periods("daily", "Pacific/Apia", at("2011-12-29T10:00"), at("2011-12-31T10:00"))
    )
    assert periods == [
        (at("2011-12-29T10:00"), at("2011-12-30T10:00")),
        (at("2011-12-30T10:00"), at("2011-12-31T10:00")),
    ]
    assert next_period("daily", "Pacific/Apia", at("2011-12-29T10:00")) == (
        at("2011-12-30T10:00"),
        at("2011-12-31T10:00"),
    )
    assert previous_period("daily", "Pacific/Apia", at("2011-12-30T10:00")) == (
        at("2011-12-29T10:00"),
        at("2011-12-30T10:00"),
    )


def test_iter_periods_gives_every_overlapping_period_whole():
    got = list(iter_periods("daily", "UTC", at("2024-03-04T12:00"), at("2024-03-06T00:00:01")))
    assert got == [
        (at("2024-03-04"), at("2024-03-05")),
        (at("2024-03-05"), at("2024-03-06")),
        (at("2024-03-06"), at("2024-03-07")),
    ]


def test_iter_periods_half_open_end():
    got = list(iter_periods("monthly", "UTC", at("2024-03-01"), at("2024-04-01")))
    assert got == [(at("2024-03-01"), at("2024-04-01"))]


def test_iter_periods_consecutive_and_contiguous():
    got = list(iter_periods("weekly", "Europe/Berlin", at("2024-01-01"), at("2025-01-01")))
    assert len(got) == 53
    for (_, end), (start, _) in pairwise(got):
        assert end == start


def test_iter_periods_yearly_and_quarterly():
    yearly = list(iter_periods("yearly", "UTC", at("2023-06-01"), at("2024-06-01")))
    assert yearly == [(at("2023-01-01"), at("2024-01-01")), (at("2024-01-01"), at("2025-01-01"))]
    quarterly = list(iter_periods("quarterly", "UTC", at("2024-03-31"), at("2024-04-02")))
    assert quarterly == [(at("2024-01-01"), at("2024-04-01")), (at("2024-04-01"), at("2024-07-01"))]


def test_next_and_previous_period():
    assert next_period("monthly", "UTC", at("2024-12-15")) == (at("2025-01-01"), at("2025-02-01"))
    assert previous_period("quarterly", "UTC", at("2024-02-01")) == (
        at("2023-10-01"),
        at("2024-01-01"),
    )


def test_naive_instants_are_rejected():
    with pytest.raises(ValueError, match="naive"):
        period_bounds("daily", "UTC", datetime(2024, 3, 4))
    with pytest.raises(ValueError, match="naive"):
        list(iter_periods("daily", "UTC", datetime(2024, 3, 4), at("2024-03-05")))


def test_unknown_period_is_rejected():
    with pytest.raises(ValueError, match="unknown period"):
        period_bounds("hourly", "UTC", at("2024-03-04"))


def test_instants_with_other_offsets_are_the_same_instant():
    assert period_bounds("daily", "UTC", at("2024-03-04T01:00+02:00")) == (
        at("2024-03-03"),
        at("2024-03-04"),
    )
