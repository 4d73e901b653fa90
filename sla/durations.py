"""Durations as operators write them: "10 min", "1 h 30 min", "90 s", "2.5 s", "600".

`duration_text` is exact (every unit, no rounding: 5415 s is "1 h 30 min 15 s"), so a
value shown in a form reads back as the same number of seconds.
"""

import re
from decimal import Decimal, InvalidOperation

UNITS = {
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "m": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
SHOWN = (("d", 86400), ("h", 3600), ("min", 60))


class DurationTextError(ValueError):
    """The text is not a duration; the message says what to write."""


def parse_duration_text(text: str) -> Decimal:
    """Seconds in `text` ("10 min", "1 h 30 min", "45 s"; a bare number is seconds)."""
    cleaned = (text or "").strip().lower().replace(",", " ")
    if not cleaned:
        raise DurationTextError("Give a duration such as 10 min, 1 h 30 min or 45 s.")
    total = Decimal(0)
    position = 0
    for match in PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            break
        unit = match.group(2) or "s"
        if unit not in UNITS:
            raise DurationTextError(f"Unknown unit {unit!r}: use d, h, min or s.")
        try:
            total += Decimal(match.group(1)) * UNITS[unit]
        except InvalidOperation:
            break
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise DurationTextError(
            f"{text.strip()!r} is not a duration: write e.g. 10 min, 1 h 30 min or 45 s."
        )
    return total


def duration_text(seconds) -> str:
    """ "10 min", "1 h 30 min 15 s", "0 s", "2.5 s" (exact: no unit is dropped)."""
    if seconds is None:
        return ""
    rest = Decimal(str(seconds))
    parts = []
    for unit, size in SHOWN:
        amount, rest = divmod(rest, size)
        if amount:
            parts.append(f"{int(amount)} {unit}")
    if rest or not parts:
        parts.append(f"{rest.normalize():f} s")
    return " ".join(parts)
