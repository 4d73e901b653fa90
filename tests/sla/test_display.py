"""Honest percentages: cut, never rounded up, and never shown across their target."""

import pytest

from sla.display import format_duration, format_percent


@pytest.mark.parametrize(
    ("value", "target", "shown"),
    [
        (99.497, 99.5, "99.49%"),  # below the target stays visibly below
        (99.9951, 99.995, "99.9951%"),  # above a 3-decimal target: enough decimals
        (99.995, 99.995, "99.995%"),  # exactly the target reads as the target
        (99.9999, None, "99.99%"),  # never 100.00 unless it is 100
        (100.0, None, "100.00%"),
        (99.16666666666667, 99.0, "99.16%"),
        (5.004, 5.0, "5.004%"),  # a `max` requirement just above its limit
        (4.9999, 5.0, "4.99%"),
        (0.0, None, "0.00%"),
        (-28.715, None, "-28.72%"),  # remaining budgets may be negative: cut downwards
        (None, 99.0, "–"),
        (float("nan"), None, "–"),
    ],
)
def test_format_percent(value, target, shown):
    assert format_percent(value, target) == shown


def test_tiny_differences_fall_back_to_the_exact_value():
    assert format_percent(99.50000000000001, 99.5) == "99.50000000000001%"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(None, "–"), (0, "0 s"), (45, "45 s"), (4320, "1 h 12 min")]
)
def test_format_duration(seconds, shown):
    assert format_duration(seconds) == shown
