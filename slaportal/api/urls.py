"""The /api/v1/ URL tree: each app contributes its routes here, mounted once.

Every route answers with and without a trailing slash (/api/v1/events and /api/v1/events/).
"""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accounts.api import AccountView, ApiTokenViewSet
from agreements.api import AgreementViewSet, ContextViewSet
from audit.api import AuditLogView, SLAAsOfView
from integrations.channels.api import ChannelViewSet
from integrations.federation.api import (
    FederationDowntimesView,
    FederationEventsView,
    FederationIncidentsView,
    FederationReportJsonView,
    FederationReportPdfView,
    FederationReportsView,
    PortalLinkView,
)
from integrations.prometheus.api import (
    AlertmanagerReceiverView,
    AlertmanagerSettingsView,
    GrafanaDashboardView,
    PrometheusSourceViewSet,
    PrometheusStatusRuleViewSet,
    SLOPrometheusRulesView,
)
from integrations.vector.api import VectorRecordsView, VectorSourceViewSet
from licensing.api import AccountLicenseView
from reporting.api import (
    DailyReportViewSet,
    DashboardPeriodResultsView,
    DashboardStatsView,
    DashboardTrendView,
    EmailRecipientViewSet,
    WebhookEndpointViewSet,
)
from sla.api.definitions import (
    AssignmentRuleViewSet,
    DowntimeViewSet,
    ServiceGroupViewSet,
    ServiceViewSet,
    SLADefinitionViewSet,
    TimePeriodViewSet,
)
from sla.api.incidents import IncidentViewSet
from sla.api.ingest import EventViewSet, ServiceImportView
from sla.api.nines import NinesView
from sla.api.requests import RequestCountsView
from sla.api.slo import AlertPolicyViewSet, GroupBudgetView, SLOReportView, SLOViewSet
from sla.api.snapshots import GroupSnapshotsView, ServiceSnapshotsView
from slaviews.api import SLAViewsViewSet
from statuspage.api import (
    ComponentGroupViewSet,
    IncidentUpdatesView,
    IncidentUpdateViewSet,
    MaintenanceUpdateViewSet,
    PublicIncidentViewSet,
    PublishIncidentView,
    StatusPageComponentViewSet,
    StatusPageViewSet,
)
from statuspage.subscriptions.api import (
    SubscriberCountsView,
    SubscriberExportView,
    SubscriberViewSet,
)


def api_path(route: str, view, name: str):
    """A route like "services/<pk>/sla" accepting an optional trailing slash."""
    regex = route.replace("<pk>", r"(?P<pk>[^/.]+)")
    return re_path(rf"^{regex}/?$", view, name=name)


class OptionalSlashRouter(SimpleRouter):
    """DRF's router with the trailing slash optional (its constructor only allows on/off)."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("services", ServiceViewSet, basename="service")
router.register("groups", ServiceGroupViewSet, basename="group")
router.register("downtimes", DowntimeViewSet, basename="downtime")
router.register("time-periods", TimePeriodViewSet, basename="time-period")
router.register("slas", SLADefinitionViewSet, basename="sla")
router.register("rules", AssignmentRuleViewSet, basename="rule")
router.register("slos", SLOViewSet, basename="slo")
router.register("alert-policies", AlertPolicyViewSet, basename="alert-policy")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("email-recipients", EmailRecipientViewSet, basename="email-recipient")
router.register("status-pages", StatusPageViewSet, basename="status-page")
router.register("status-page-groups", ComponentGroupViewSet, basename="status-page-group")
router.register(
    "status-page-components", StatusPageComponentViewSet, basename="status-page-component"
)
router.register("public-incidents", PublicIncidentViewSet, basename="public-incident")
router.register("incident-updates", IncidentUpdateViewSet, basename="incident-update")
router.register("maintenance-updates", MaintenanceUpdateViewSet, basename="maintenance-update")
router.register("status-page-subscribers", SubscriberViewSet, basename="status-page-subscriber")
router.register("channels", ChannelViewSet, basename="channel")
router.register("sla-views", SLAViewsViewSet, basename="sla-view")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("daily-reports", DailyReportViewSet, basename="daily-report")
router.register("vector-sources", VectorSourceViewSet, basename="vector-source")
router.register("prometheus-sources", PrometheusSourceViewSet, basename="prometheus-source")
router.register(
    "prometheus-status-rules", PrometheusStatusRuleViewSet, basename="prometheus-status-rule"
)
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("contexts", ContextViewSet, basename="context")

# The ingest routes first: Django tries the patterns in order, and agents post many times
# a second (behind ~40 patterns, finding the route cost about 3 % of an ingest request's
# CPU). No other pattern starts with "events" or "requests", so the order changes no answer.
ingest_router = OptionalSlashRouter()
ingest_router.register("events", EventViewSet, basename="event")

urlpatterns = [
    *ingest_router.urls,
    api_path("requests", RequestCountsView.as_view(), name="request-counts"),
    api_path("account", AccountView.as_view(), name="account"),
    api_path("audit-log", AuditLogView.as_view(), name="audit-log"),
    api_path("slas/<pk>/as-of", SLAAsOfView.as_view(), name="sla-as-of"),
    api_path("account/license", AccountLicenseView.as_view(), name="account-license"),
    # Explicit routes first: "services/import" must not be read as a service pk.
    api_path("services/import", ServiceImportView.as_view(), name="service-import"),
    api_path("services/<pk>/snapshots", ServiceSnapshotsView.as_view(), name="service-snapshots"),
    api_path("groups/<pk>/snapshots", GroupSnapshotsView.as_view(), name="group-snapshots"),
    api_path("reports", SLOReportView.as_view(), name="slo-reports"),
    api_path("groups/<pk>/budget", GroupBudgetView.as_view(), name="group-budget"),
    # Explicit status page routes come before the router: "from-incident" is no <pk>.
    api_path(
        "public-incidents/from-incident",
        PublishIncidentView.as_view(),
        name="public-incident-from-incident",
    ),
    api_path(
        "public-incidents/<pk>/updates",
        IncidentUpdatesView.as_view(),
        name="public-incident-updates",
    ),
    api_path(
        "status-pages/<pk>/subscriber-counts",
        SubscriberCountsView.as_view(),
        name="status-page-subscriber-counts",
    ),
    api_path(
        "status-pages/<pk>/subscribers-export",
        SubscriberExportView.as_view(),
        name="status-page-subscribers-export",
    ),
    api_path("dashboard/stats", DashboardStatsView.as_view(), name="dashboard-stats"),
    api_path(
        "dashboard/period-results",
        DashboardPeriodResultsView.as_view(),
        name="dashboard-period-results",
    ),
    api_path("dashboard/trend", DashboardTrendView.as_view(), name="dashboard-trend"),
    api_path("nines", NinesView.as_view(), name="nines"),
    api_path(
        "vector-sources/<pk>/records", VectorRecordsView.as_view(), name="vector-source-records"
    ),
    # Prometheus integration (integrations.prometheus).
    api_path(
        "integrations/alertmanager/settings",
        AlertmanagerSettingsView.as_view(),
        name="alertmanager-settings",
    ),
    api_path("integrations/alertmanager", AlertmanagerReceiverView.as_view(), name="alertmanager"),
    api_path(
        "slos/<pk>/prometheus-rules", SLOPrometheusRulesView.as_view(), name="slo-prometheus-rules"
    ),
    api_path("grafana/dashboard.json", GrafanaDashboardView.as_view(), name="grafana-dashboard"),
    # Federation (integrations.federation): the portal this account pushes to, and the
    # endpoints another deployment pushes to.
    api_path("federation/portal", PortalLinkView.as_view(), name="federation-portal"),
    api_path("federation/events", FederationEventsView.as_view(), name="federation-events"),
    api_path("federation/reports", FederationReportsView.as_view(), name="federation-reports"),
    api_path(
        "federation/reports/<pk>/json",
        FederationReportJsonView.as_view(),
        name="federation-report-json",
    ),
    api_path(
        "federation/reports/<pk>/pdf",
        FederationReportPdfView.as_view(),
        name="federation-report-pdf",
    ),
    api_path(
        "federation/incidents", FederationIncidentsView.as_view(), name="federation-incidents"
    ),
    api_path(
        "federation/downtimes", FederationDowntimesView.as_view(), name="federation-downtimes"
    ),
]
urlpatterns += router.urls
