"""Display helpers shared by admin, dashboard, reports and the status page.

Numbers are compared unrounded; when shown, a percentage gets as many decimals as it needs
to stay on the same side of its target (99.497 against 99.5 is never shown as "99.50").
"""

import math

MIN_DECIMALS = 2
MAX_DECIMALS = 6


def _same_side(shown: float, value: float, target: float) -> bool:
    return (shown > target) == (value > target) and (shown < target) == (value < target)


def format_percent(value: float | None, target: float | None = None) -> str:
    """'99.95%'; with a target, enough decimals to keep the comparison visibly honest."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    for decimals in range(MIN_DECIMALS, MAX_DECIMALS + 1):
        shown = round(value, decimals)
        if target is None or _same_side(shown, value, target):
            return f"{shown:.{decimals}f}%"
    return f"{value:.{MAX_DECIMALS}f}%"


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
