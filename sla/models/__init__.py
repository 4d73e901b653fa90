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
from sla.models.events import StatusEvent
from sla.models.ingest import RollupMark
from sla.models.results import DailyUptime, Incident, PeriodResult, UptimeSnapshot
from sla.models.services import Aggregation, Service, ServiceGroup

__all__ = [
    "Aggregation",
    "AssignmentRule",
    "Comparison",
    "DailyUptime",
    "Downtime",
    "Incident",
    "Period",
    "PeriodResult",
    "Recurrence",
    "Requirement",
    "RequirementKind",
    "RollupMark",
    "RuleTarget",
    "SLADefinition",
    "Service",
    "ServiceGroup",
    "StatusEvent",
    "TimePeriod",
    "UptimeSnapshot",
]
