"""Display helpers shared by admin, dashboard, reports and the status page.

Numbers are compared unrounded; when shown, a percentage is cut (never rounded up) and
gets as many decimals as it needs to stay on the same side of its target (99.497 against
99.5 is never shown as "99.50", 99.9999 never as "100.00").

A stored figure is the float nearest to an exact rational, so it can land on its target
when the exact value is a hair below or above it. The decision made on the exact value
(``broken``) then says which side the figure belongs on, and the figure shown follows it.
"""

import math
from decimal import ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

from sla.engine.instants import exact_decimal
from sla.engine.spec import format_decimal

MIN_DECIMALS = 2
MAX_DECIMALS = 10
# Digits kept when an exact fraction is turned into a decimal to cut from: far more than
# shown, so cutting this approximation to MAX_DECIMALS cuts the exact value the same way.
_FRACTION_DIGITS = 40


def _truncated(value: Decimal, decimals: int) -> Decimal:
    """Cut (never round up) to `decimals` places: a shown figure is never better than the
    measured one, so 99.9999 never reads 100.00 and 99.497 never reads 99.50."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)


def _decimal(value) -> Decimal:
    """The decimal to cut from: a float's shortest repr, a Decimal as is, a Fraction cut
    far below the shown precision."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return Decimal(value.numerator)
        scale = 10**_FRACTION_DIGITS
        with localcontext() as context:
            context.prec = 80
            return Decimal(math.floor(value * scale)) / Decimal(scale)
    return Decimal(repr(float(value)))


def _sign(number) -> int:
    return (number > 0) - (number < 0)


def _side(exact: Fraction, goal: Fraction, broken: bool | None, comparison: str) -> int:
    """Which side of the target the figure must be shown on: -1, 0 (on it) or +1.

    Without a decision it is where the value is. With one (``broken``, decided on the
    exact value), a value that rounding put on the wrong side is put back: a broken
    ``min`` is below its target, a met one at or above; a broken ``max`` above, a met one
    at or below.
    """
    side = _sign(exact - goal)
    if broken is None:
        return side
    if comparison == "max":
        if broken:
            return 1
        return min(side, 0)
    if broken:
        return -1
    return max(side, 0)


def _fallback(exact: Decimal, goal: Decimal, side: int) -> Decimal:
    """A figure on ``side`` of ``goal`` when no cut of up to MAX_DECIMALS is: the value
    itself if it is there, else the closest figure at MAX_DECIMALS on that side."""
    if _sign(exact - goal) == side:
        return exact
    step = Decimal(1).scaleb(-MAX_DECIMALS)
    return goal + side * step


def format_percent(
    value: float | Fraction | Decimal | None,
    target=None,
    *,
    broken: bool | None = None,
    comparison: str = "min",
) -> str:
    """'99.95%': two decimals, more when needed so the figure stays on its side of `target`
    (99.9951 against 99.995 reads 99.9951%, and exactly the target reads as the target).

    ``broken`` (with ``comparison``, ``min`` or ``max``) is the requirement's decision on
    the exact value; give it whenever the figure is judged against its target, so a float
    that rounded onto the target is still shown on the side the decision was made on.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    shown_from = _decimal(value)
    if target is None:
        return f"{_truncated(shown_from, MIN_DECIMALS)}%"
    goal_exact = exact_decimal(target)
    goal = _decimal(goal_exact)
    exact = value if isinstance(value, Fraction) else exact_decimal(shown_from)
    side = _side(Fraction(exact), goal_exact, broken, comparison)
    for decimals in range(MIN_DECIMALS, MAX_DECIMALS + 1):
        shown = _truncated(shown_from, decimals)
        if _sign(shown - goal) == side:
            return f"{shown}%"
    return f"{_fallback(shown_from, goal, side)}%"


def percent_of(part: float, whole: float) -> float | None:
    """``100 * part / whole`` as a float, ``None`` when ``whole`` is not positive.

    A whole that is all good reads exactly 100.0: in floating point ``100 * x / x`` is not
    always 100 (it read 99.99999999999999 on a perfect period). A part below the whole is
    at least a microsecond below, far above float rounding, so it never reads 100.0.
    """
    if whole <= 0:
        return None
    if part == whole:
        return 100.0
    return 100.0 * part / whole


def format_target(value) -> str:
    """A target as written: "99.9%", "5%", "99.99999%" (never rounded to "100%")."""
    if value is None:
        return ""
    return f"{format_decimal(value)}%"


def requirement_summary(requirement) -> str:
    """What a requirement (a Requirement row) asks, in words, targets as written:
    "at least 99.9% OK; WARN at 50, CRIT at 10 (% of the budget left)" or
    "at most 3 CRIT outages of at least 5 min; WARN at 1, CRIT at 0 left"."""
    if requirement.kind == "percentage":
        bound = "at least" if requirement.comparison == "min" else "at most"
        text = f"{bound} {format_target(requirement.target)} {requirement.state}"
        unit = " (% of the budget left)"
    else:
        minimum = requirement.min_duration_seconds or 0
        shortest = f" of at least {format_duration(minimum)}" if minimum else ""
        text = f"at most {requirement.max_count} {requirement.state} outages{shortest}"
        unit = " left"
    if requirement.level_warn is not None and requirement.level_crit is not None:
        warn, crit = format_decimal(requirement.level_warn), format_decimal(requirement.level_crit)
        text += f"; WARN at {warn}, CRIT at {crit}{unit}"
    return text


def format_duration(seconds: float | None) -> str:
    """'1 h 12 min', '45 s', '3 d 4 h'."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    shown = [f"{amount} {unit}" for amount, unit in parts if amount][:2]
    return " ".join(shown) or "0 s"
