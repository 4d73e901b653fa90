"""Instants as integer microseconds since the Unix epoch (UTC).

The engine computes on plain ints: exact for every instant a ``datetime`` can hold, so
durations and sums carry no rounding; they become float seconds only in results.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

MICROSECONDS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def require_aware(value: datetime, what: str = "datetime") -> None:
    """Raise ValueError for a naive datetime: every instant must carry its offset."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} is naive; give a timezone-aware instant")


def to_micros(instant: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    if not instant.microsecond:
        return int(instant.timestamp()) * MICROSECONDS  # whole seconds: exact and fast
    delta = instant - EPOCH
    return (delta.days * 86400 + delta.seconds) * MICROSECONDS + delta.microseconds


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime of an instant in microseconds."""
    return EPOCH + timedelta(microseconds=micros)


def to_seconds(micros: int) -> float:
    """A duration in microseconds as float seconds (correctly rounded)."""
    return micros / MICROSECONDS


def exact_decimal(value: int | float | Decimal | Fraction) -> Fraction:
    """The exact rational of a number as written: ``Decimal`` and ``int`` exactly, a float
    through its shortest repr (the decimal it was parsed from: ``99.9`` -> 999/10), never
    through binary floating point."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def micros_at_least(seconds: int | float | Decimal | Fraction) -> int:
    """``ceil(seconds * 10**6)``: a duration of ``d`` whole microseconds is at least
    ``seconds`` exactly when ``d >=`` this."""
    return math.ceil(exact_decimal(seconds) * MICROSECONDS)


def micros_at_most(seconds: int | float | Decimal | Fraction) -> int:
    """``floor(seconds * 10**6)``: ``d`` whole microseconds are at most ``seconds`` exactly
    when ``d <=`` this."""
    return math.floor(exact_decimal(seconds) * MICROSECONDS)
