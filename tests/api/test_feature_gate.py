"""The SLA feature gate on every SLA route (future ones too): 403 plugin_disabled when off."""

import pytest
from django.urls import reverse

from tests.api.routes import api_routes
from tests.conftest import client_for
from tests.factories import factory_for

GATED = [route for route in api_routes() if getattr(route.view_class, "sla_feature_required", 0)]


def test_there_are_gated_routes():
    assert any(route.name == "sla-list" for route in GATED)


@pytest.mark.parametrize("route", GATED, ids=str)
@pytest.mark.parametrize("switch", ["account flag", "SLA_ENABLED"])
def test_gated_route_answers_plugin_disabled(route, switch, tenants, settings):
    kwargs = {}
    if route.kwargs:
        kwargs = {"pk": factory_for(route.model)(account=tenants.a).pk}
    if switch == "SLA_ENABLED":
        settings.SLA_ENABLED = False
    else:
        tenants.a.feature_sla = False
        tenants.a.save()
    url = reverse(route.name, kwargs=kwargs)
    for method in route.methods:
        body = "{}" if method in {"post", "put", "patch"} else None
        response = getattr(client_for(tenants.token_a), method)(
            url, data=body, content_type="application/json"
        )
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["error"] == "plugin_disabled"
