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
from tests.factories.statuspage import (
    ComponentGroupFactory,
    IncidentUpdateFactory,
    MaintenanceUpdateFactory,
    PublicIncidentComponentFactory,
    PublicIncidentFactory,
    StatusPageComponentFactory,
    StatusPageDomainFactory,
    StatusPageFactory,
)

__all__ = [
    "FACTORIES",
    "AccountFactory",
    "ApiTokenFactory",
    "AssignmentRuleFactory",
    "ComponentGroupFactory",
    "DailyUptimeFactory",
    "DowntimeFactory",
    "IncidentFactory",
    "IncidentUpdateFactory",
    "MaintenanceUpdateFactory",
    "MembershipFactory",
    "PeriodResultFactory",
    "PublicIncidentComponentFactory",
    "PublicIncidentFactory",
    "RequirementFactory",
    "SLADefinitionFactory",
    "ServiceFactory",
    "ServiceGroupFactory",
    "StatusEventFactory",
    "StatusPageComponentFactory",
    "StatusPageDomainFactory",
    "StatusPageFactory",
    "TimePeriodFactory",
    "UptimeSnapshotFactory",
    "UserFactory",
    "factory_for",
]
