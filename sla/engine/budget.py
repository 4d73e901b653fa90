"""Error budgets and burn rates: exact arithmetic on counts and seconds (no Django).

Everything inside is :class:`fractions.Fraction` (or int); floats appear only when a
caller asks for output (:func:`to_float`). Targets are percentages (``99.9``); a float
target is read through its shortest repr, so ``99.9`` means exactly 999/10.

Formulas (``t`` = target / 100, window total ``N``, good ``G``, bad ``B = N - G``):

- SLI = ``G / N``; budget (allowed bad) = ``(1 - t) * N``; consumed = ``B``;
  remaining = budget - consumed (negative when overspent); remaining fraction =
  remaining / budget; consumed fraction = ``B / budget``.
- burn rate over a lookback ``w``: ``(B_w / N_w) / (1 - t)`` (1 = spending exactly the
  budget over the window, 0 with no bad events, ``None`` with no events).
- time to exhaustion at burn rate ``b`` for a window of length ``W``:
  ``remaining_fraction * W / b`` (``W`` at ``b = 1`` with a full budget; 43.2 minutes at
  ``b = 1000`` over 30 days).
- multi-window, multi-burn-rate alerts (SRE workbook, chapter 5): a window pair fires when
  the burn rate over the long window AND over the short window are both at or above the
  threshold. The threshold keeps the consumed budget fraction constant whatever the SLO
  window: ``threshold = consumed_fraction * W / long_window`` (2 % in 1 h of 30 days
  gives 14.4).
- detection time of a constant error rate ``e`` starting on a clean long window:
  ``threshold * (1 - t) * long_window / e`` (51.84 s for 14.4x, 99.9 %, 1 h, ``e = 1``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

HOUR = 3600
DAY = 86400
THIRTY_DAYS = 30 * DAY

Number = int | float | Fraction | Decimal


def as_fraction(value: Number) -> Fraction:
    """An exact Fraction; a float is read through its shortest repr (99.9 -> 999/10)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def to_float(value: Fraction | int | None) -> float | None:
    """The float of an exact value (the only place floats appear), ``None`` kept."""
    return None if value is None else float(value)


@lru_cache(maxsize=4096)
def allowed_fraction(target: Number) -> Fraction:
    """``1 - target/100``: the fraction of events (or time) allowed to be bad."""
    fraction = 1 - as_fraction(target) / 100
    if fraction < 0 or fraction > 1:
        raise ValueError(f"target {target} is outside 0-100")
    return fraction


# --------------------------------------------------------------------------- budgets


@dataclass(frozen=True)
class ErrorBudget:
    """The error budget of one window: all values exact, in the SLI's unit."""

    good: Fraction
    total: Fraction
    bad: Fraction
    allowed: Fraction  # budget: allowed bad over the window
    remaining: Fraction  # allowed - bad; negative when overspent
    sli: Fraction | None  # good / total, None with no events
    remaining_fraction: Fraction | None  # remaining / allowed; None when allowed is 0
    consumed_fraction: Fraction | None  # bad / allowed
    met: bool | None  # sli >= target, None with no events


def error_budget(*, target: Number, good: Number, total: Number) -> ErrorBudget:
    """Budget, consumption and SLI of a window with ``good`` of ``total`` (see module doc)."""
    good_value, total_value = as_fraction(good), as_fraction(total)
    if total_value < 0 or good_value < 0 or good_value > total_value:
        raise ValueError(f"need 0 <= good <= total, got good={good} total={total}")
    bad = total_value - good_value
    allowed = allowed_fraction(target) * total_value
    sli = good_value / total_value if total_value else None
    return ErrorBudget(
        good=good_value,
        total=total_value,
        bad=bad,
        allowed=allowed,
        remaining=allowed - bad,
        sli=sli,
        remaining_fraction=(allowed - bad) / allowed if allowed else None,
        consumed_fraction=bad / allowed if allowed else None,
        met=None if sli is None else sli * 100 >= as_fraction(target),
    )


def burn_rate(*, target: Number, bad: Number, total: Number) -> Fraction | None:
    """``(bad / total) / (1 - target)``; ``None`` with no events or no budget at all."""
    allowed = allowed_fraction(target)
    if isinstance(bad, int) and isinstance(total, int):  # the common case: one gcd, no float
        if total <= 0 or not allowed:
            return None
        return Fraction(bad * allowed.denominator, total * allowed.numerator)
    total_value = as_fraction(total)
    if total_value <= 0 or allowed == 0:
        return None
    return (as_fraction(bad) / total_value) / allowed


def time_to_exhaustion(
    *, remaining_fraction: Fraction | None, burn: Fraction | None, window_seconds: Number
) -> Fraction | None:
    """Seconds until the remaining budget is gone at burn rate ``burn`` (see module doc).

    0 when the budget is already spent; ``None`` when nothing burns (or no budget).
    """
    if remaining_fraction is None or burn is None:
        return None
    if remaining_fraction <= 0:
        return Fraction(0)
    if burn <= 0:
        return None
    return remaining_fraction * as_fraction(window_seconds) / burn


# --------------------------------------------------------------------------- alert policy


@dataclass(frozen=True)
class BurnWindow:
    """One window pair of a multi-window, multi-burn-rate policy.

    ``budget_consumed`` is the fraction of the whole window's budget that burning at the
    threshold for ``long_seconds`` consumes (0.02 for the workbook's 1 h page).
    """

    severity: str
    long_seconds: int
    short_seconds: int
    budget_consumed: Fraction

    def threshold(self, window_seconds: Number) -> Fraction:
        return burn_rate_threshold(
            budget_consumed=self.budget_consumed,
            window_seconds=window_seconds,
            long_seconds=self.long_seconds,
        )


# The SRE workbook's defaults (for a 30-day window: 14.4x, 6x, 1x).
DEFAULT_BURN_WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow("page", HOUR, 5 * 60, Fraction(2, 100)),
    BurnWindow("page", 6 * HOUR, 30 * 60, Fraction(5, 100)),
    BurnWindow("ticket", 3 * DAY, 6 * HOUR, Fraction(10, 100)),
)


def burn_rate_threshold(
    *, budget_consumed: Number, window_seconds: Number, long_seconds: Number
) -> Fraction:
    """``budget_consumed * window / long_window``: 14.4 for 2 % in 1 h of 30 days."""
    long_value = as_fraction(long_seconds)
    if long_value <= 0:
        raise ValueError("the long window must be positive")
    return as_fraction(budget_consumed) * as_fraction(window_seconds) / long_value


def budget_consumed_by(
    *, burn: Number, duration_seconds: Number, window_seconds: Number
) -> Fraction:
    """Fraction of a window's budget that burning at ``burn`` for ``duration`` consumes."""
    return as_fraction(burn) * as_fraction(duration_seconds) / as_fraction(window_seconds)


def detection_seconds(
    *, error_rate: Number, target: Number, threshold: Number, long_seconds: Number
) -> Fraction | None:
    """Seconds until a constant ``error_rate`` (0-1, starting on a clean, fully considered
    long window) lifts the long window's burn rate to ``threshold``; ``None`` if never."""
    rate = as_fraction(error_rate)
    needed = as_fraction(threshold) * allowed_fraction(target)  # bad ratio that fires
    if rate <= 0 or needed > rate:
        return None
    return needed * as_fraction(long_seconds) / rate


@dataclass(frozen=True)
class WindowCounts:
    """Bad and total events (or seconds) over one lookback."""

    bad: Fraction
    total: Fraction


@dataclass(frozen=True)
class WindowEvaluation:
    """The verdict of one window pair: burn rates, threshold, guard and firing."""

    window: BurnWindow
    threshold: Fraction
    long_burn: Fraction | None
    short_burn: Fraction | None
    long_total: Fraction
    guard_ok: bool
    firing: bool


def evaluate_burn_windows(
    *,
    target: Number,
    window_seconds: Number,
    windows: Iterable[BurnWindow],
    counts: Mapping[int, WindowCounts],
    min_events: Number = 0,
) -> list[WindowEvaluation]:
    """Evaluate each window pair: fires when both burn rates reach the threshold and the
    long window saw at least ``min_events`` events (the low-traffic guard).

    ``counts`` maps a lookback length in seconds to its counts; every long and short length
    of ``windows`` must be present.
    """
    minimum = as_fraction(min_events)
    results = []
    for window in windows:
        threshold = window.threshold(window_seconds)
        long_counts, short_counts = counts[window.long_seconds], counts[window.short_seconds]
        long_burn = burn_rate(target=target, bad=long_counts.bad, total=long_counts.total)
        short_burn = burn_rate(target=target, bad=short_counts.bad, total=short_counts.total)
        guard_ok = long_counts.total >= minimum and long_counts.total > 0
        firing = (
            guard_ok
            and long_burn is not None
            and short_burn is not None
            and long_burn >= threshold
            and short_burn >= threshold
        )
        results.append(
            WindowEvaluation(
                window=window,
                threshold=threshold,
                long_burn=long_burn,
                short_burn=short_burn,
                long_total=long_counts.total,
                guard_ok=guard_ok,
                firing=firing,
            )
        )
    return results


# --------------------------------------------------------------------------- SLA requirements


@dataclass(frozen=True)
class RequirementBudget:
    """Error budget of a percentage requirement over the considered time so far (seconds)."""

    comparison: str
    target: Fraction
    considered: Fraction
    allowed: Fraction  # budget seconds
    consumed: Fraction  # seconds spent against the budget
    remaining: Fraction
    remaining_fraction: Fraction | None
    burn: Fraction | None
    time_to_exhaustion: Fraction | None  # considered seconds; None: never at this rate


def requirement_budget(
    *,
    comparison: str,
    target: Number,
    considered_seconds: Number,
    state_seconds: Number,
    recent_burn: Fraction | None = None,
) -> RequirementBudget:
    """The budget of a percentage requirement (SLA-SEMANTICS.md section 3, step 6).

    ``min`` (at least ``target`` % in the state): budget = ``(100 - target)/100 *
    considered``, consumed = ``considered - state_seconds`` (time not in the state).
    ``max`` (at most ``target`` % in the state): budget = ``target/100 * considered``,
    consumed = ``state_seconds``. Burn rate = consumed fraction of time / allowed fraction.
    The budget grows with the considered time, so at a ``recent_burn`` rate (e.g. the last
    hour's; default: the period's) it runs out only above 1, after
    ``remaining / ((recent_burn - 1) * allowed_fraction)`` more considered seconds.
    """
    target_value = as_fraction(target)
    considered = as_fraction(considered_seconds)
    in_state = as_fraction(state_seconds)
    if comparison == "min":
        allowed_share = 1 - target_value / 100
        consumed = considered - in_state
    elif comparison == "max":
        allowed_share = target_value / 100
        consumed = in_state
    else:
        raise ValueError(f"comparison must be min or max, not {comparison!r}")
    allowed = allowed_share * considered
    remaining = allowed - consumed
    burn = consumed / considered / allowed_share if considered and allowed_share else None
    rate = burn if recent_burn is None else recent_burn
    if rate is None or not allowed:
        exhaustion = None
    elif remaining <= 0:
        exhaustion = Fraction(0)
    elif rate > 1:
        exhaustion = remaining / ((rate - 1) * allowed_share)
    else:
        exhaustion = None
    return RequirementBudget(
        comparison=comparison,
        target=target_value,
        considered=considered,
        allowed=allowed,
        consumed=consumed,
        remaining=remaining,
        remaining_fraction=remaining / allowed if allowed else None,
        burn=burn,
        time_to_exhaustion=exhaustion,
    )
