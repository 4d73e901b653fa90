"""The /api/v1/ URL tree: each app contributes its routes here, mounted once.

Every route answers with and without a trailing slash (/api/v1/events and /api/v1/events/).
"""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accounts.api import AccountView, ApiTokenViewSet
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
router.register("status-pages", StatusPageViewSet, basename="status-page")
router.register("status-page-groups", ComponentGroupViewSet, basename="status-page-group")
router.register(
    "status-page-components", StatusPageComponentViewSet, basename="status-page-component"
)
router.register("public-incidents", PublicIncidentViewSet, basename="public-incident")
router.register("incident-updates", IncidentUpdateViewSet, basename="incident-update")
router.register("maintenance-updates", MaintenanceUpdateViewSet, basename="maintenance-update")

urlpatterns = [
    api_path("account", AccountView.as_view(), name="account"),
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
]
urlpatterns += router.urls
