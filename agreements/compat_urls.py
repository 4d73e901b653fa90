"""/sla-manager/api/v1/: the original SLA Manager's routes (agreements.compat)."""

from django.urls import re_path

from agreements import compat

ID = r"(?P<agreement_id>[^/]+)"
SERVICE = r"(?P<service_id>[^/]+)"

urlpatterns = [
    re_path(r"^sla/?$", compat.SlaCreateView.as_view(), name="sla-manager-create"),
    re_path(r"^slas/?$", compat.SlaListView.as_view(), name="sla-manager-slas"),
    re_path(rf"^slas/{SERVICE}/?$", compat.SlasOfServiceView.as_view(), name="sla-manager-slas-of"),
    re_path(rf"^sla/{ID}/?$", compat.SlaDetailView.as_view(), name="sla-manager-sla"),
    re_path(r"^kpis/?$", compat.KpiListView.as_view(), name="sla-manager-kpis"),
    re_path(rf"^kpis/{SERVICE}/?$", compat.KpisOfServiceView.as_view(), name="sla-manager-kpis-of"),
    re_path(rf"^kpi/{ID}/?$", compat.KpiDetailView.as_view(), name="sla-manager-kpi"),
    re_path(r"^(?P<rest>.*)$", compat.CompatNotFoundView.as_view(), name="sla-manager-other"),
]
