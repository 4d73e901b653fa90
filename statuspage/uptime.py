"""Daily uptime figures for the 90-day strip, from stored DailyUptime rows (pure code).

A day's outage is weighted like Atlassian Statuspage does: CRIT time is major outage and
counts fully; WARN and UNKNOWN time is partial outage and counts 30 %. Unmonitored time
counts neither way. A day's colour level follows its weighted outage minutes:
0 none, 1 up to 10 min, 2 up to 60 min, 3 up to 4 h, 4 more; a day without monitored time
is "no data" (grey).
"""

from dataclasses import dataclass

from sla.display import percent_of

PARTIAL_WEIGHT = 0.3
LEVEL_LIMITS_SECONDS = (0.0, 600.0, 3600.0, 4 * 3600.0)
NO_DATA = "nodata"


@dataclass(slots=True)
class DayFigures:
    """One calendar day of one component (seconds per state from the daily rollup)."""

    ok: float = 0.0
    warn: float = 0.0
    crit: float = 0.0
    unknown: float = 0.0
    downtime: float = 0.0

    @property
    def monitored(self) -> float:
        return self.ok + self.warn + self.crit + self.unknown

    @property
    def major_seconds(self) -> float:
        return self.crit

    @property
    def partial_seconds(self) -> float:
        return self.warn + self.unknown

    @property
    def weighted_outage(self) -> float:
        return self.crit + PARTIAL_WEIGHT * self.partial_seconds

    @property
    def uptime(self) -> float | None:
        if self.monitored <= 0:
            return None
        return max(0.0, percent_of(self.monitored - self.weighted_outage, self.monitored))

    @property
    def level(self) -> str:
        if self.monitored <= 0:
            return NO_DATA
        outage = self.weighted_outage
        if outage <= LEVEL_LIMITS_SECONDS[0]:
            return "0"
        for level, limit in enumerate(LEVEL_LIMITS_SECONDS[1:], start=1):
            if outage <= limit:
                return str(level)
        return "4"


EMPTY_DAY = DayFigures()


def uptime_over(days) -> float | None:
    """Weighted uptime in percent over several days (None when nothing was monitored)."""
    days = list(days)
    monitored = sum(day.monitored for day in days)
    if monitored <= 0:
        return None
    outage = sum(day.weighted_outage for day in days)
    return max(0.0, percent_of(monitored - outage, monitored))


def format_minutes(seconds: float) -> str:
    """ "1 h 5 min", "12 min", "<1 min" (any non-zero time stays visible)."""
    if seconds <= 0:
        return "0 min"
    minutes = seconds / 60.0
    if minutes < 1:
        return "<1 min"
    total = round(minutes)
    hours, rest = divmod(total, 60)
    if hours:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{rest} min"
