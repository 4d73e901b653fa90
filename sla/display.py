"""Display helpers shared by admin, dashboard, reports and the status page.

Numbers are compared unrounded; when shown, a percentage is cut (never rounded up) and
gets as many decimals as it needs to stay on the same side of its target (99.497 against
99.5 is never shown as "99.50", 99.9999 never as "100.00").
"""

import math
from decimal import ROUND_FLOOR, Decimal

MIN_DECIMALS = 2
MAX_DECIMALS = 10


def _truncated(value: Decimal, decimals: int) -> Decimal:
    """Cut (never round up) to `decimals` places: a shown figure is never better than the
    measured one, so 99.9999 never reads 100.00 and 99.497 never reads 99.50."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)


def _same_side(shown: Decimal, value: Decimal, target: Decimal) -> bool:
    return (shown > target) == (value > target) and (shown == target) == (value == target)


def format_percent(value: float | None, target: float | None = None) -> str:
    """'99.95%': two decimals, more when needed so the figure stays on its side of `target`
    (99.9951 against 99.995 reads 99.9951%, and exactly the target reads as the target)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    exact = Decimal(repr(value))
    goal = None if target is None else Decimal(repr(target))
    for decimals in range(MIN_DECIMALS, MAX_DECIMALS + 1):
        shown = _truncated(exact, decimals)
        if goal is None or _same_side(shown, exact, goal):
            return f"{shown}%"
    return f"{exact}%"


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
