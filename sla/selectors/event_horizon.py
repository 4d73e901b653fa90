"""How far back raw status events are whole (SLA_EVENT_RETENTION_DAYS, README "Retention").

Every reader that evaluates events over a range asks here first. An evaluation whose inputs
start before the account's recorded horizon would read removed events: its period is
*frozen* (the stored row is the figure, never recomputed) and the span views of it say so
instead of drawing a timeline from what is left.
"""

import datetime as dt

from django.conf import settings

from sla.engine import inputs_start
from sla.models import EventHorizon

# Days above the longest reach of the rollup (SLA_SNAPSHOT_MAX_DAYS) and of the SLO bucket
# recompute (400 days, floored to a UTC day): the retention job prunes a day further back.
MARGIN_DAYS = 2


def event_retention_minimum_days() -> int:
    """The smallest SLA_EVENT_RETENTION_DAYS the system check accepts."""
    from sla.services.slo_buckets import MAX_RECOMPUTE  # a service module: imported late

    return max(settings.SLA_SNAPSHOT_MAX_DAYS, MAX_RECOMPUTE.days) + MARGIN_DAYS


def event_retention_days() -> int:
    """The configured retention in days (0: events are kept), never below the minimum (a
    value the system check would refuse counts as the minimum)."""
    days = settings.SLA_EVENT_RETENTION_DAYS
    return max(days, event_retention_minimum_days()) if days else 0


def ingest_horizon(now: dt.datetime) -> dt.datetime | None:
    """Events before this instant are refused at ingest (None: retention is off). The
    retention job removes only events before it (and a day's margin), so an accepted event
    never lands where events are missing."""
    days = event_retention_days()
    return now - dt.timedelta(days=days) if days else None


def events_pruned_before(*, account) -> dt.datetime | None:
    """The account's recorded horizon: events before it may have been removed (None: none
    ever were). Read whatever the setting says now, so switching retention off again does
    not let old periods be recomputed from the remaining events."""
    return EventHorizon.objects.for_account(account).values_list("pruned_before", flat=True).first()


def period_frozen(spec, period_start: dt.datetime, pruned_before: dt.datetime | None) -> bool:
    """Would evaluating the period read removed events? (`spec`: the SLA's engine spec.)"""
    return pruned_before is not None and inputs_start(spec, period_start) < pruned_before


def events_read_refused(reads_from: dt.datetime, pruned_before: dt.datetime | None) -> str | None:
    """Why events from `reads_from` cannot be read (None: they are whole)."""
    if pruned_before is None or reads_from >= pruned_before:
        return None
    return (
        f"raw status events before {pruned_before.isoformat()} were pruned "
        "(SLA_EVENT_RETENTION_DAYS): figures reading them are not computed again"
    )
