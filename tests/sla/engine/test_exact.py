"""Exact decisions (SLA-SEMANTICS.md 1 and 3.6-3.7): every state is what rational arithmetic
says, to the microsecond, and the figure shown is never on the wrong side of its target.

Each case puts the bad time at, just below and just above the exact boundary (the bad
time where the value meets the target, or the remaining buffer meets a level), down to
one microsecond, over random calendar periods whose considered time is any whole number
of microseconds. The oracle is plain ``Fraction`` arithmetic on the written decimals.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.display import format_percent
from sla.engine import Event, evaluate, parse_sla, period_bounds
from sla.engine.instants import to_micros

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PERIODS = ["daily", "weekly", "monthly", "quarterly", "yearly"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu"]
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)

# A decimal with up to 4 places, as text (how a user writes it) and as its exact value.
decimals_4 = st.integers(0, 1_000_000).map(lambda n: Decimal(n).scaleb(-4).normalize())


def written(value: Decimal) -> float:
    """What a JSON document carries for the written decimal (a float parsed from it)."""
    return float(str(value))


@st.composite
def periods(draw):
    """A calendar period (start, end) in some zone, and a start offset of monitoring in
    microseconds, so the considered time is any whole number of microseconds."""
    period = draw(st.sampled_from(PERIODS))
    zone = draw(st.sampled_from(ZONES))
    day = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=draw(st.integers(0, 800)))
    start, end = period_bounds(period, zone, day)
    length = to_micros(end) - to_micros(start)
    unmonitored = draw(st.integers(0, length // 3))
    return period, zone, start, end, unmonitored


def _evaluate(requirement: dict, period, zone, start, end, unmonitored, bad_state, bad_micros):
    """The service is unmonitored, then OK; ``bad_state`` for ``bad_micros`` at the end."""
    first = start + timedelta(microseconds=unmonitored)
    bad_from = end - timedelta(microseconds=bad_micros)
    events = [Event(first, "OK")]
    if bad_micros:
        events.append(Event(bad_from, bad_state))
    spec = parse_sla({"period": period, "timezone": zone, "requirements": [requirement]})
    (result,) = evaluate(spec, events, [], start, end, FAR_FUTURE)
    return result.requirements[0]


def _around(boundary: Fraction, limit: int) -> list[int]:
    """Whole microseconds at, just below and just above an exact (maybe fractional)
    boundary, within [0, limit]."""
    low = boundary.numerator // boundary.denominator
    candidates = {low - 1, low, low + 1, low + 2}
    return sorted(value for value in candidates if 0 <= value <= limit)


def _level_state(broken: bool, remaining: Fraction | None, levels) -> str:
    if broken:
        return "BROKEN"
    if levels is not None and remaining is not None:
        warn, crit = (Fraction(level) for level in levels)
        if remaining <= crit:
            return "CRIT"
        if remaining <= warn:
            return "WARN"
    return "OK"


def _shown(text: str) -> Decimal:
    return Decimal(text.rstrip("%"))


def _check_display(result, target: Decimal, comparison: str) -> None:
    """The figure shown (from the stored float and the decision) sits on the decided side."""
    stored = result.to_json()
    shown = _shown(
        format_percent(
            stored["value"], written(target), broken=stored["broken"], comparison=comparison
        )
    )
    if comparison == "min":
        assert (shown < target) == result.broken, (stored, shown)
    else:
        assert (shown > target) == result.broken, (stored, shown)


@SETTINGS
@given(
    periods(),
    decimals_4,
    st.one_of(st.none(), st.tuples(decimals_4, decimals_4).map(sorted).map(reversed).map(tuple)),
    st.data(),
)
def test_min_requirement_is_exact_at_its_boundaries(bounds, target, levels, data):
    period, zone, start, end, unmonitored = bounds
    considered = to_micros(end) - to_micros(start) - unmonitored
    target_exact = Fraction(target)
    requirement = {
        "title": "availability",
        "kind": "percentage",
        "state": "OK",
        "comparison": "min",
        "target": written(target),
    }
    if levels is not None:
        requirement["levels"] = {"warn": written(levels[0]), "crit": written(levels[1])}
    # Bad time where A == target, and where R == each level.
    boundaries = [considered * (100 - target_exact) / 100]
    if levels is not None and target_exact < 100:
        for level in levels:
            value_at_level = target_exact + Fraction(level) * (100 - target_exact) / 100
            boundaries.append(considered * (100 - value_at_level) / 100)
    boundary = data.draw(st.sampled_from(boundaries))
    for bad in _around(boundary, considered):
        result = _evaluate(requirement, period, zone, start, end, unmonitored, "CRIT", bad)
        value = Fraction(100 * (considered - bad), considered)
        broken = value < target_exact
        remaining = (
            None if target_exact == 100 else 100 * (value - target_exact) / (100 - target_exact)
        )
        assert result.exact_value == value
        assert result.value == float(value)
        assert result.broken == broken
        assert result.exact_remaining == remaining
        assert result.remaining == (None if remaining is None else float(remaining))
        assert result.state == _level_state(broken, remaining, levels)
        _check_display(result, target, "min")


@SETTINGS
@given(
    periods(),
    decimals_4,
    st.one_of(st.none(), st.tuples(decimals_4, decimals_4).map(sorted).map(reversed).map(tuple)),
    st.data(),
)
def test_max_requirement_is_exact_at_its_boundaries(bounds, target, levels, data):
    period, zone, start, end, unmonitored = bounds
    considered = to_micros(end) - to_micros(start) - unmonitored
    target_exact = Fraction(target)
    requirement = {
        "title": "crit time",
        "kind": "percentage",
        "state": "CRIT",
        "comparison": "max",
        "target": written(target),
    }
    if levels is not None:
        requirement["levels"] = {"warn": written(levels[0]), "crit": written(levels[1])}
    boundaries = [considered * target_exact / 100]
    if levels is not None and target_exact > 0:
        for level in levels:
            value_at_level = target_exact - Fraction(level) * target_exact / 100
            boundaries.append(considered * value_at_level / 100)
    boundary = data.draw(st.sampled_from(boundaries))
    for bad in _around(boundary, considered):
        result = _evaluate(requirement, period, zone, start, end, unmonitored, "CRIT", bad)
        value = Fraction(100 * bad, considered)
        broken = value > target_exact
        remaining = None if target_exact == 0 else 100 * (target_exact - value) / target_exact
        assert result.exact_value == value
        assert result.value == float(value)
        assert result.broken == broken
        assert result.exact_remaining == remaining
        assert result.state == _level_state(broken, remaining, levels)
        _check_display(result, target, "max")


@SETTINGS
@given(periods(), st.integers(0, 10**6), st.integers(0, 3), st.data())
def test_outage_minimum_duration_is_exact_to_the_microsecond(
    bounds, minimum_micros, max_count, data
):
    period, zone, start, end, unmonitored = bounds
    considered = to_micros(end) - to_micros(start) - unmonitored
    minimum = Decimal(minimum_micros).scaleb(-6)  # seconds with up to 6 decimals
    requirement = {
        "title": "outages",
        "kind": "outages",
        "state": "CRIT",
        "max_count": max_count,
        "min_duration_seconds": written(minimum),
        "levels": {"warn": 1, "crit": 0},
    }
    bad = data.draw(st.sampled_from(_around(Fraction(minimum_micros), considered)))
    result = _evaluate(requirement, period, zone, start, end, unmonitored, "CRIT", bad)
    count = 1 if bad and bad >= minimum_micros else 0
    assert result.count == count
    assert result.broken == (count > max_count)
    assert result.state == _level_state(count > max_count, Fraction(max_count - count), (1, 0))


def test_the_issues_week_reads_ok_with_zero_remaining():
    """Weekly 99.9 %, CRIT for exactly 604.8 s: met, value 99.9, remaining 0."""
    start, end = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
    requirement = {
        "title": "a",
        "kind": "percentage",
        "state": "OK",
        "comparison": "min",
        "target": 99.9,
    }
    result = _evaluate(requirement, "weekly", "UTC", start, end, 0, "CRIT", 604_800_000)
    assert (result.state, result.value, result.remaining) == ("OK", 99.9, 0.0)
    requirement["levels"] = {"warn": 0, "crit": 0}
    result = _evaluate(requirement, "weekly", "UTC", start, end, 0, "CRIT", 604_800_000)
    assert result.state == "CRIT"  # R == crit reaches CRIT
    assert _evaluate(requirement, "weekly", "UTC", start, end, 0, "CRIT", 604_800_001).broken


def test_a_fully_ok_period_is_exactly_100():
    start, end = datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
    requirement = {
        "title": "a",
        "kind": "percentage",
        "state": "OK",
        "comparison": "min",
        "target": 99.99,
    }
    for unmonitored in (0, 1, 7, 123_457, 86_399_999_999):
        result = _evaluate(requirement, "daily", "UTC", start, end, unmonitored, "CRIT", 0)
        assert result.value == 100.0
        assert result.to_json()["value"] == 100.0
        assert result.remaining == 100.0
        assert format_percent(result.value, 99.99) == "100.00%"


def test_a_target_is_read_as_the_decimal_it_is_written_as():
    spec = parse_sla(
        {
            "period": "daily",
            "requirements": [
                {
                    "title": "a",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": Decimal("99.9"),
                    "levels": {"warn": 0.1, "crit": Decimal("0.05")},
                }
            ],
        }
    )
    requirement = spec.requirements[0]
    assert requirement.target == Fraction(999, 10)
    assert (requirement.levels.warn, requirement.levels.crit) == (Fraction(1, 10), Fraction(1, 20))
    assert parse_sla({**_json_of(spec)}).requirements[0].target == Fraction(999, 10)


def _json_of(spec):
    from sla.engine import sla_to_json

    return sla_to_json(spec)
