"""SLA models, split by topic; import from `sla.models`."""

from sla.models.definitions import (
    AssignmentRule,
    Comparison,
    Downtime,
    Period,
    Recurrence,
    Requirement,
    RequirementKind,
    RuleTarget,
    SLADefinition,
    TimePeriod,
)
from sla.models.events import EventHorizon, StatusEvent
from sla.models.ingest import RollupMark
from sla.models.results import DailyUptime, Incident, PeriodResult, UptimeSnapshot
from sla.models.services import Aggregation, Service, ServiceGroup
from sla.models.slo import (
    SLO,
    Alert,
    AlertPolicy,
    AlertState,
    BurnRateWindow,
    CalendarUnit,
    RequestCount,
    Severity,
    SLIKind,
    SLODayBucket,
    SLOHourBucket,
    WindowKind,
)

__all__ = [
    "SLO",
    "Aggregation",
    "Alert",
    "AlertPolicy",
    "AlertState",
    "AssignmentRule",
    "BurnRateWindow",
    "CalendarUnit",
    "Comparison",
    "DailyUptime",
    "Downtime",
    "EventHorizon",
    "Incident",
    "Period",
    "PeriodResult",
    "Recurrence",
    "RequestCount",
    "Requirement",
    "RequirementKind",
    "RollupMark",
    "RuleTarget",
    "SLADefinition",
    "SLIKind",
    "SLODayBucket",
    "SLOHourBucket",
    "Service",
    "ServiceGroup",
    "Severity",
    "StatusEvent",
    "TimePeriod",
    "UptimeSnapshot",
    "WindowKind",
]
