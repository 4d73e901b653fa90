"""Sums of an SLO's buckets over many hour-aligned windows, for its history charts
(`slo_snapshots`): whole UTC days from day rows, the partial days at a window's edges from
hour rows, each by prefix sums, so a point costs the same whatever its window's length.

Retention (sla.services.retention) removes old hour rows but keeps their day rows. A
partial edge inside such a day is counted whole when it covers at least half of the day,
else not at all: history points whose windows start or end that far back are summed over
whole days.
"""

import datetime as dt

from sla.models import SLODayBucket, SLOHourBucket
from sla.selectors.slo_windows import DAY, HOUR, ceil_to, floor_to

HALF_DAY = DAY / 2


class _Prefix:
    """Cumulative (good, total) of rows on a regular grid from `origin` in `step`s."""

    def __init__(self, origin: dt.datetime, step: dt.timedelta, end: dt.datetime, rows):
        self.origin, self.step = origin, step
        self.count = max(0, (end - origin) // step)
        values = [(0, 0)] * self.count
        for instant, good, total in rows:
            values[(instant - origin) // step] = (good, total)
        self.good, self.total = [0], [0]
        for good, total in values:
            self.good.append(self.good[-1] + good)
            self.total.append(self.total[-1] + total)

    def _index(self, instant: dt.datetime) -> int:
        return min(max((instant - self.origin) // self.step, 0), self.count)

    def sum(self, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        first, last = self._index(start), self._index(end)
        if last <= first:
            return 0, 0
        return self.good[last] - self.good[first], self.total[last] - self.total[first]


class HistorySums:
    """(good, total) of an SLO over hour-aligned windows inside [start, end)."""

    def __init__(self, *, account, slo, start: dt.datetime, end: dt.datetime):
        first_day, last_day = floor_to(start, DAY), ceil_to(end, DAY)
        hours = list(
            SLOHourBucket.objects.for_account(account)
            .filter(slo=slo, hour_start__gte=first_day, hour_start__lt=last_day)
            .values_list("hour_start", "good", "total")
        )
        days = list(
            SLODayBucket.objects.for_account(account)
            .filter(slo=slo, day_start__gte=first_day, day_start__lt=last_day)
            .values_list("day_start", "good", "total")
        )
        self._hours = _Prefix(first_day, HOUR, last_day, hours)
        self._days = _Prefix(first_day, DAY, last_day, days)
        days_with_hours = {floor_to(hour, DAY) for hour, _, _ in hours}
        self._pruned = {
            day: (good, total) for day, good, total in days if day not in days_with_hours
        }

    def window(self, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        """(good, total) of [start, end): whole days, then the partial days at its edges."""
        full_start, full_end = ceil_to(start, DAY), floor_to(end, DAY)
        if full_start > full_end:  # inside one day
            return self._part(start, end)
        good, total = self._days.sum(full_start, full_end)
        for part in (self._part(start, full_start), self._part(full_end, end)):
            good, total = good + part[0], total + part[1]
        return good, total

    def _part(self, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        if end <= start:
            return 0, 0
        pruned = self._pruned.get(floor_to(start, DAY))
        if pruned is None:
            return self._hours.sum(start, end)
        return pruned if end - start >= HALF_DAY else (0, 0)
