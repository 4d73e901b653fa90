"""System checks of the SLA settings that depend on each other (run at start-up)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def event_retention_check(app_configs=None, **kwargs) -> list[Error]:
    """SLA_EVENT_RETENTION_DAYS, when set, must reach further back than every recompute
    (the rollup's SLA_SNAPSHOT_MAX_DAYS, the SLO buckets' 400 days) plus a margin."""
    from sla.selectors.event_horizon import event_retention_minimum_days

    days = settings.SLA_EVENT_RETENTION_DAYS
    minimum = event_retention_minimum_days()
    if days and days < minimum:
        return [
            Error(
                f"SLA_EVENT_RETENTION_DAYS={days} is below the minimum {minimum}",
                hint="0 keeps raw events; otherwise at least max(SLA_SNAPSHOT_MAX_DAYS, 400) "
                "+ 2 days: the rollup and the SLO buckets recompute from events that far back.",
                id="sla.E001",
            )
        ]
    return []
