"""Downtime intervals of many services and groups, from one query per range."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from sla.engine import Interval
from sla.models import Downtime, Recurrence
from sla.selectors.inputs import weekly_windows


@dataclass
class DowntimeIndex:
    """The account's downtimes overlapping a range, answering per subject without queries.

    A service is in downtime during its own downtimes, its group's and account-wide ones
    (as `sla.selectors.inputs.downtime_intervals`); a group during its own and account-wide
    ones.
    """

    start: dt.datetime
    end: dt.datetime
    downtimes: list[Downtime]

    def _intervals(self, rows, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        intervals = []
        for downtime in rows:
            if downtime.recurrence == Recurrence.WEEKLY:
                intervals.extend(weekly_windows(downtime, start, end))
            elif downtime.start < end and downtime.end is not None and downtime.end > start:
                intervals.append(Interval(start=downtime.start, end=downtime.end))
        return intervals

    def for_service(
        self, service_id: int, group_id: int | None, start: dt.datetime, end: dt.datetime
    ) -> list[Interval]:
        rows = [
            downtime
            for downtime in self.downtimes
            if downtime.service_id == service_id
            or (group_id is not None and downtime.group_id == group_id)
            or (downtime.service_id is None and downtime.group_id is None)
        ]
        return self._intervals(rows, start, end)

    def for_group(self, group_id: int, start: dt.datetime, end: dt.datetime) -> list[Interval]:
        rows = [
            downtime
            for downtime in self.downtimes
            if downtime.group_id == group_id
            or (downtime.service_id is None and downtime.group_id is None)
        ]
        return self._intervals(rows, start, end)


def downtime_index(*, account, start: dt.datetime, end: dt.datetime) -> DowntimeIndex:
    overlapping = Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))
    rows = list(Downtime.objects.for_account(account).filter(overlapping))
    return DowntimeIndex(start=start, end=end, downtimes=rows)
