"""The /api/v1/ URL tree: each app contributes its routes here, mounted once.

Every route answers with and without a trailing slash (/api/v1/events and /api/v1/events/).
"""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from accounts.api import AccountView, ApiTokenViewSet
from sla.api.definitions import (
    AssignmentRuleViewSet,
    DowntimeViewSet,
    ServiceGroupViewSet,
    ServiceViewSet,
    SLADefinitionViewSet,
    TimePeriodViewSet,
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

urlpatterns = [
    api_path("account", AccountView.as_view(), name="account"),
]
urlpatterns += router.urls
