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
from tests.factories.reporting import (
    DailyReportFactory,
    DeliveryFactory,
    EmailRecipientFactory,
    OutboxMessageFactory,
    WebhookEndpointFactory,
)
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
from tests.factories.slo import (
    AlertFactory,
    AlertPolicyFactory,
    BurnRateWindowFactory,
    RequestCountFactory,
    SLODayBucketFactory,
    SLOFactory,
    SLOHourBucketFactory,
)

__all__ = [
    "FACTORIES",
    "AccountFactory",
    "AlertFactory",
    "AlertPolicyFactory",
    "ApiTokenFactory",
    "AssignmentRuleFactory",
    "BurnRateWindowFactory",
    "DailyReportFactory",
    "DailyUptimeFactory",
    "DeliveryFactory",
    "DowntimeFactory",
    "EmailRecipientFactory",
    "IncidentFactory",
    "MembershipFactory",
    "OutboxMessageFactory",
    "PeriodResultFactory",
    "RequestCountFactory",
    "RequirementFactory",
    "SLADefinitionFactory",
    "SLODayBucketFactory",
    "SLOFactory",
    "SLOHourBucketFactory",
    "ServiceFactory",
    "ServiceGroupFactory",
    "StatusEventFactory",
    "TimePeriodFactory",
    "UptimeSnapshotFactory",
    "UserFactory",
    "WebhookEndpointFactory",
    "factory_for",
]
