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
from tests.factories.agreements import (
    AgreementFactory,
    ContextFactory,
    GuaranteeFactory,
    LevelChangeFactory,
    NotificationEndpointFactory,
    ViolationFactory,
)
from tests.factories.audit import AuditEntryFactory
from tests.factories.channels import ChannelFactory
from tests.factories.federation import PushedReportFactory
from tests.factories.ingest import RollupMarkFactory
from tests.factories.prometheus import (
    AlertmanagerAlertFactory,
    AlertmanagerSettingsFactory,
    JobRunFactory,
    PrometheusSourceFactory,
    PrometheusStatusRuleFactory,
    PromQLDayFactory,
    PromQLGapFactory,
    PromQLSLIFactory,
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
    EventHorizonFactory,
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
from tests.factories.slaviews import SLAViewColumnFactory, SLAViewFactory
from tests.factories.slo import (
    AlertFactory,
    AlertPolicyFactory,
    BurnRateWindowFactory,
    RequestCountFactory,
    SLODayBucketFactory,
    SLOFactory,
    SLOHourBucketFactory,
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
    SubscriberComponentFactory,
    SubscriberFactory,
)
from tests.factories.vector import VectorBatchFactory, VectorRuleFactory, VectorSourceFactory

__all__ = [
    "FACTORIES",
    "AccountFactory",
    "AgreementFactory",
    "AlertFactory",
    "AlertPolicyFactory",
    "AlertmanagerAlertFactory",
    "AlertmanagerSettingsFactory",
    "ApiTokenFactory",
    "AssignmentRuleFactory",
    "AuditEntryFactory",
    "BurnRateWindowFactory",
    "ChannelFactory",
    "ComponentGroupFactory",
    "ContextFactory",
    "DailyReportFactory",
    "DailyUptimeFactory",
    "DeliveryFactory",
    "DowntimeFactory",
    "EmailRecipientFactory",
    "EventHorizonFactory",
    "GuaranteeFactory",
    "IncidentFactory",
    "IncidentUpdateFactory",
    "JobRunFactory",
    "LevelChangeFactory",
    "MaintenanceUpdateFactory",
    "MembershipFactory",
    "NotificationEndpointFactory",
    "OutboxMessageFactory",
    "PeriodResultFactory",
    "PromQLDayFactory",
    "PromQLGapFactory",
    "PromQLSLIFactory",
    "PrometheusSourceFactory",
    "PrometheusStatusRuleFactory",
    "PublicIncidentComponentFactory",
    "PublicIncidentFactory",
    "PushedReportFactory",
    "RequestCountFactory",
    "RequirementFactory",
    "RollupMarkFactory",
    "SLADefinitionFactory",
    "SLAViewColumnFactory",
    "SLAViewFactory",
    "SLODayBucketFactory",
    "SLOFactory",
    "SLOHourBucketFactory",
    "ServiceFactory",
    "ServiceGroupFactory",
    "StatusEventFactory",
    "StatusPageComponentFactory",
    "StatusPageDomainFactory",
    "StatusPageFactory",
    "SubscriberComponentFactory",
    "SubscriberFactory",
    "TimePeriodFactory",
    "UptimeSnapshotFactory",
    "UserFactory",
    "VectorBatchFactory",
    "VectorRuleFactory",
    "VectorSourceFactory",
    "ViolationFactory",
    "WebhookEndpointFactory",
    "factory_for",
]
