"""The /api/v1/ URL tree: each app contributes its routes here, mounted once.

Every route answers with and without a trailing slash (/api/v1/events and /api/v1/events/).
"""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accounts.api import AccountView, ApiTokenViewSet
from sla.api.incidents import IncidentViewSet
from sla.api.ingest import EventViewSet, ServiceImportView
from sla.api.snapshots import GroupSnapshotsView, ServiceSnapshotsView


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
router.register("events", EventViewSet, basename="event")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    api_path("account", AccountView.as_view(), name="account"),
    # Explicit routes first: "services/import" must not be read as a service pk.
    api_path("services/import", ServiceImportView.as_view(), name="service-import"),
    api_path("services/<pk>/snapshots", ServiceSnapshotsView.as_view(), name="service-snapshots"),
    api_path("groups/<pk>/snapshots", GroupSnapshotsView.as_view(), name="group-snapshots"),
]
urlpatterns += router.urls
