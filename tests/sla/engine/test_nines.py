"""The allowed-downtime ("nines") table: exact arithmetic for every target."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.engine.nines import (
    PERIODS,
    allowed_downtime,
    allowed_fraction_of,
    duration_text,
    exact_decimal,
    nines,
)

# Ten targets, each with the expected allowed downtime per period worked out by hand:
# (100 - target)/100 x 31,536,000 / 7,889,400 / 2,629,800 / 604,800 / 86,400 / 3,600 s.
TEN_TARGETS = {
    "90": ("36 d 12 h", "9 d 3 h 9 min", "3 d 1 h 3 min", "16 h 48 min", "2 h 24 min", "6 min"),
    "95": ("18 d 6 h", "4 d 13 h 34 min 30 s", "1 d 12 h 31 min 30 s", "8 h 24 min", "1 h 12 min",
           "3 min"),
    "99": ("3 d 15 h 36 min", "21 h 54 min 54 s", "7 h 18 min 18 s", "1 h 40 min 48 s",
           "14 min 24 s", "36 s"),
    "99.5": ("1 d 19 h 48 min", "10 h 57 min 27 s", "3 h 39 min 9 s", "50 min 24 s", "7 min 12 s",
             "18 s"),
    "99.9": ("8 h 45 min 36 s", "2 h 11 min 29.4 s", "43 min 49.8 s", "10 min 4.8 s",
             "1 min 26.4 s", "3.6 s"),
    "99.95": ("4 h 22 min 48 s", "1 h 5 min 44.7 s", "21 min 54.9 s", "5 min 2.4 s", "43.2 s",
              "1.8 s"),
    "99.99": ("52 min 33.6 s", "13 min 8.94 s", "4 min 22.98 s", "1 min 0.48 s", "8.64 s",
              "360 ms"),
    "99.995": ("26 min 16.8 s", "6 min 34.47 s", "2 min 11.49 s", "30.24 s", "4.32 s", "180 ms"),
    "99.999": ("5 min 15.36 s", "1 min 18.894 s", "26.298 s", "6.048 s", "864 ms", "36 ms"),
    "99.9999": ("31.536 s", "7.8894 s", "2.6298 s", "604.8 ms", "86.4 ms", "3.6 ms"),
}  # fmt: skip


@pytest.mark.parametrize("target", TEN_TARGETS)
def test_ten_targets_match_exact_arithmetic(target):
    rows = allowed_downtime(Decimal(target))
    assert [row.period.name for row in rows] == ["year", "quarter", "month", "week", "day", "hour"]
    assert tuple(row.text for row in rows) == TEN_TARGETS[target]
    seconds = (31_536_000, 7_889_400, 2_629_800, 604_800, 86_400, 3_600)
    for row, length in zip(rows, seconds, strict=True):
        assert row.period.seconds == length
        assert row.allowed_seconds == (100 - Fraction(target)) / 100 * length


def test_the_issues_example():
    rows = {row.period.name: row for row in allowed_downtime(99.95)}
    assert rows["year"].text == "4 h 22 min 48 s"
    assert rows["month"].text == "21 min 54.9 s" and rows["month"].period.days == Fraction(
        304375, 10000
    )
    assert rows["day"].text == "43.2 s"
    assert rows["year"].allowed_seconds == 15768


def test_max_comparisons_allow_the_target_share():
    rows = allowed_downtime(1, "max")
    assert rows[2].allowed_seconds == Fraction(2_629_800, 100)
    assert allowed_fraction_of(1, "max") == Fraction(1, 100)
    with pytest.raises(ValueError):
        allowed_fraction_of(101)
    with pytest.raises(ValueError):
        allowed_fraction_of(99, "between")


def test_exact_decimals_and_durations():
    assert exact_decimal(Fraction(13149, 10)) == "1314.9"
    assert exact_decimal(Fraction(1, 3), max_places=4) == "0.3333…"
    assert exact_decimal(Fraction(-1, 8)) == "-0.125"
    assert duration_text(Fraction(0)) == "0 s"
    assert duration_text(Fraction(90061)) == "1 d 1 h 1 min 1 s"
    assert duration_text(Fraction(3600)) == "1 h"


def test_nines_count_is_for_display():
    assert nines(99.9) == pytest.approx(3)
    assert nines(100) is None


@settings(deadline=None)  # no timing limit in the suite
@given(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False))
def test_every_row_is_the_allowed_share_of_its_period(target):
    rows = allowed_downtime(target)
    for row, period in zip(rows, PERIODS, strict=True):
        assert row.allowed_seconds / period.seconds == 1 - Fraction(target) / 100
        assert "…" not in row.text  # decimal targets always give exact decimals
