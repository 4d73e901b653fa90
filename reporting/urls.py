"""URLs of the operator dashboard, mounted at /dashboard/."""

from django.urls import path

from reporting import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("slas/<int:sla_id>/", views.sla_results, name="sla-results"),
    path("services/<int:service_id>/sla/", views.service_sla, name="service-sla"),
    path("slos/<int:slo_id>/", views.slo_detail, name="slo-detail"),
    path(
        "reports/<int:report_id>/<str:kind>",
        views.report_download,
        name="report-download",
    ),
]
