"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from integrations.prometheus.api import metrics_view
from slaportal import health, views
from slaportal.graphql.schema import schema
from slaportal.graphql.view import PortalGraphQLView

urlpatterns = [
    # First: the API takes most requests, agents' ingest above all (no other pattern
    # starts with "api/v1/", so the order changes no answer).
    path("api/v1/", include("slaportal.api.urls")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
    # Browsers ask for /favicon.ico on pages without an icon link (JSON, Swagger UI ...).
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("dashboard/sla-views/", include("slaviews.urls")),
    path("dashboard/agreements/", include("agreements.urls")),
    path("dashboard/", include("reporting.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    re_path(r"^graphql/?$", PortalGraphQLView.as_view(schema=schema), name="graphql"),
    # The original SLA Manager's interface (agreements.compat), same token auth.
    path("sla-manager/api/v1/", include("agreements.compat_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (`?script`), not inline (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("status/", include("statuspage.urls")),
]

handler404 = views.not_found
handler500 = views.server_error
