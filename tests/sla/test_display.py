"""Honest percentages: cut, never rounded up, and never shown across their target."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.display import format_duration, format_percent, format_target


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


# --------------------------------------------------------------------------- exact sides

decimals_4 = st.integers(0, 1_000_000).map(lambda n: Decimal(n).scaleb(-4))


@settings(max_examples=300, deadline=None)
@given(
    decimals_4,
    st.integers(-3, 3),
    st.integers(1, 10**15),
    st.sampled_from(["min", "max"]),
)
def test_a_stored_float_is_shown_on_the_side_its_exact_value_was_decided(
    target, offset, denominator, comparison
):
    """A value a hair from its target is stored as the float nearest to it, which may be
    the target itself; the figure shown still sits on the side the engine decided."""
    exact = Fraction(target) + Fraction(offset, denominator)
    broken = exact < Fraction(target) if comparison == "min" else exact > Fraction(target)
    for value in (float(exact), exact):
        shown = Decimal(
            format_percent(value, float(target), broken=broken, comparison=comparison)[:-1]
        )
        if comparison == "min":
            assert (shown < target) == broken
        else:
            assert (shown > target) == broken


@pytest.mark.parametrize(
    ("value", "target", "broken", "comparison", "shown"),
    [
        (99.9, 99.9, True, "min", "99.8999999999%"),  # exact value a hair below 99.9
        (99.9, 99.9, False, "min", "99.90%"),
        (5.0, 5, True, "max", "5.0000000001%"),  # a hair above "at most 5 %"
        (Fraction(998999, 10000), "99.9", True, "min", "99.89%"),
        (Fraction(1, 3) * 300, Decimal("99.5"), False, "min", "100.00%"),
    ],
)
def test_the_decision_wins_over_the_rounded_float(value, target, broken, comparison, shown):
    assert format_percent(value, target, broken=broken, comparison=comparison) == shown


def test_targets_are_shown_as_written():
    assert format_target(Decimal("99.500000")) == "99.5%"
    assert format_target(99.99999) == "99.99999%"
    assert format_target(Decimal("100.000000")) == "100%"
    assert format_target(None) == ""
