"""Engine inputs of one service: its events and downtimes over a range.

Thin single-service forms of the many-service readers (sla.selectors.history and
sla.selectors.downtimes), which hold the actual queries.
"""

import datetime as dt

from sla.engine import Event, Interval
from sla.models import Service
from sla.selectors.downtimes import downtime_index
from sla.selectors.history import histories


def service_events(
    *, account, service: Service, start: dt.datetime, end: dt.datetime
) -> list[Event]:
    """The state in force at `start` (the worst event at the last instant before it) and
    the events in [start, end)."""
    return histories(account=account, starts={service.pk: start}, end=end)[service.pk]


def downtime_intervals(
    *, account, service: Service, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """Downtime intervals (the service's, its group's, account-wide) overlapping [start, end)."""
    index = downtime_index(account=account, start=start, end=end)
    return index.for_service(service.pk, service.group_id)
