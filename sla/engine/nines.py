"""Allowed downtime per period for an availability target ("the nines table"), exactly.

``allowed = (1 - target / 100) * period length``, computed with :class:`fractions.Fraction`
on these stated lengths:

======== ===================================================
year     365 days (31,536,000 s)
quarter  91.3125 days (a quarter of 365.25 days, 7,889,400 s)
month    30.4375 days (a twelfth of 365.25 days, 2,629,800 s)
week     7 days
day      24 hours
hour     60 minutes
======== ===================================================

So 99.95 % allows 4 h 22 min 48 s a year, 21 min 54.9 s a month and 43.2 s a day. A
decimal target times a whole number of seconds is always a terminating decimal, so every
figure is shown exactly (``exact_decimal``), never rounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .budget import Number, as_fraction

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class NinesPeriod:
    """A period of the table: its name and length."""

    name: str
    days: Fraction

    @property
    def seconds(self) -> Fraction:
        return self.days * DAY_SECONDS


PERIODS: tuple[NinesPeriod, ...] = (
    NinesPeriod("year", Fraction(365)),
    NinesPeriod("quarter", Fraction(36525, 400)),
    NinesPeriod("month", Fraction(36525, 1200)),
    NinesPeriod("week", Fraction(7)),
    NinesPeriod("day", Fraction(1)),
    NinesPeriod("hour", Fraction(1, 24)),
)
PERIOD_NAMES = tuple(period.name for period in PERIODS)


@dataclass(frozen=True)
class AllowedDowntime:
    """One row: a period and the downtime the target allows in it (seconds, exact)."""

    period: NinesPeriod
    allowed_seconds: Fraction

    @property
    def text(self) -> str:
        return duration_text(self.allowed_seconds)


def allowed_fraction_of(target: Number, comparison: str = "min") -> Fraction:
    """The share of time allowed in the bad state: ``1 - target/100`` for "at least target %
    good" (``min``), ``target/100`` for "at most target % bad" (``max``)."""
    share = as_fraction(target) / 100
    if not 0 <= share <= 1:
        raise ValueError(f"target {target} is outside 0-100")
    if comparison == "min":
        return 1 - share
    if comparison == "max":
        return share
    raise ValueError(f"comparison must be min or max, not {comparison!r}")


def allowed_downtime(target: Number, comparison: str = "min") -> list[AllowedDowntime]:
    """The nines table of ``target`` (percent): one row per period of ``PERIODS``."""
    allowed = allowed_fraction_of(target, comparison)
    return [AllowedDowntime(period, allowed * period.seconds) for period in PERIODS]


def nines(target: Number) -> float | None:
    """How many nines a target has (99.95 -> 3.30...); display only, ``None`` at 100 %."""
    allowed = allowed_fraction_of(target)
    if allowed <= 0:
        return None
    return -math.log10(allowed)


def exact_decimal(value: Fraction, max_places: int = 12) -> str:
    """The exact decimal text of ``value`` (``Fraction(13149, 10)`` -> ``"1314.9"``).

    A value that does not terminate within ``max_places`` is cut there (never rounded up)
    and marked with a trailing "…"; targets given as decimals never need that."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = []
    while rest and len(digits) < max_places:
        rest *= 10
        digit, rest = divmod(rest, value.denominator)
        digits.append(str(digit))
    text = sign + str(whole) + ("." + "".join(digits) if digits else "")
    return text + ("…" if rest else "")


def duration_text(seconds: Fraction) -> str:
    """``15768`` -> "4 h 22 min 48 s", ``1314.9`` -> "21 min 54.9 s", ``0.864`` -> "864 ms";
    exact: days, hours and minutes are whole, the seconds keep every decimal."""
    if seconds <= 0:
        return "0 s"
    if seconds < 1:
        return f"{exact_decimal(seconds * 1000)} ms"
    whole = seconds.numerator // seconds.denominator
    days, rest = divmod(whole, DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes, _ = divmod(rest, 60)
    left = seconds - (days * DAY_SECONDS + hours * 3600 + minutes * 60)
    parts = [f"{amount} {unit}" for amount, unit in ((days, "d"), (hours, "h"), (minutes, "min"))]
    parts = [part for part in parts if not part.startswith("0 ")]
    if left:
        parts.append(f"{exact_decimal(left)} s")
    return " ".join(parts)
