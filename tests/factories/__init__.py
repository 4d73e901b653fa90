"""factory_boy factories for every model, and FACTORIES: model -> factory.

Generic tests (route walking, admin smoke tests) look factories up here, so every new
tenant-owned model must add one (a test fails otherwise, naming the model).
"""

from tests.factories.accounts import (
    AccountFactory,
    ApiTokenFactory,
    MembershipFactory,
    UserFactory,
)
from tests.factories.ingest import RollupMarkFactory
from tests.factories.registry import FACTORIES, factory_for
from tests.factories.sla import (
    AssignmentRuleFactory,
    DailyUptimeFactory,
    DowntimeFactory,
    IncidentFactory,
    PeriodResultFactory,
    RequirementFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    StatusEventFactory,
    TimePeriodFactory,
    UptimeSnapshotFactory,
)

__all__ = [
    "FACTORIES",
    "AccountFactory",
    "ApiTokenFactory",
    "AssignmentRuleFactory",
    "DailyUptimeFactory",
    "DowntimeFactory",
    "IncidentFactory",
    "MembershipFactory",
    "PeriodResultFactory",
    "RequirementFactory",
    "RollupMarkFactory",
    "SLADefinitionFactory",
    "ServiceFactory",
    "ServiceGroupFactory",
    "StatusEventFactory",
    "TimePeriodFactory",
    "UptimeSnapshotFactory",
    "UserFactory",
    "factory_for",
]
