"""Tenant isolation, proven on every API route (future ones included, automatically).

Account B's token must get 404 for account A's objects (never 403, never data), lists must
never contain A's rows, and every route answers 401 without a token.
"""

import json

import pytest
from django.urls import reverse

from tests.api.routes import api_routes, detail_routes, list_routes
from tests.conftest import client_for
from tests.factories import factory_for

ALL_ROUTES = api_routes()


def _call(client, method: str, url: str):
    body = json.dumps({}) if method in {"post", "put", "patch"} else None
    return getattr(client, method)(url, data=body, content_type="application/json")


def _ids_in(payload) -> set:
    rows = payload.get("results", payload) if isinstance(payload, dict) else payload
    if isinstance(rows, dict):
        rows = [rows]
    return {row.get("id") for row in rows if isinstance(row, dict)}


def test_walker_finds_the_api():
    names = {route.name for route in ALL_ROUTES}
    assert {"account", "token-list", "token-detail"} <= names


@pytest.mark.parametrize("route", detail_routes(), ids=str)
def test_detail_routes_use_pk_and_know_their_model(route):
    assert route.kwargs == ("pk",), f"{route.template}: API object routes use a single <pk>"
    assert route.model is not None, (
        f"{route.template}: declare `queryset` or `tenant_model` so isolation can be tested"
    )
    assert hasattr(route.model.objects, "for_account"), f"{route.model} is not account-scoped"


@pytest.mark.parametrize("route", ALL_ROUTES, ids=str)
def test_every_route_needs_a_token(route, tenants):
    kwargs = {"pk": 1} if route.kwargs else {}
    url = reverse(route.name, kwargs=kwargs)
    for method in route.methods:
        response = _call(client_for(None), method, url)
        assert response.status_code == 401, (method, url, response.content)
        assert response.json()["error"] in {"not_authenticated", "authentication_failed"}


@pytest.mark.parametrize("route", detail_routes(), ids=str)
def test_other_accounts_object_is_404(route, tenants):
    foreign_object = factory_for(route.model)(account=tenants.a)
    url = reverse(route.name, kwargs={"pk": foreign_object.pk})
    for method in route.methods:
        response = _call(client_for(tenants.token_b), method, url)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json() == {"error": "not_found", "message": "Not found."}
    assert route.model.objects.filter(pk=foreign_object.pk).exists(), "nothing may be deleted"


@pytest.mark.parametrize(
    "route", [route for route in list_routes() if route.model and "get" in route.methods], ids=str
)
def test_lists_never_show_other_accounts_rows(route, tenants):
    foreign_object = factory_for(route.model)(account=tenants.a)
    url = reverse(route.name)
    response = client_for(tenants.token_b).get(url)
    assert response.status_code == 200, response.content
    assert foreign_object.pk not in _ids_in(response.json())
    own = client_for(tenants.token_a).get(url)
    assert foreign_object.pk in _ids_in(own.json()), "the owner must see its own row"


def _model_filters(route):
    """(parameter, model) of the route's filters that name a tenant-owned row."""
    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
    from rest_framework.test import APIRequestFactory

    from accounts.filters import AccountFilterBackend
    from accounts.querysets import TenantModel

    view = route.view_class()
    view.request = APIRequestFactory().get("/")
    view.format_kwarg = None
    filterset_class = AccountFilterBackend().get_filterset_class(view, route.model.objects.all())
    if filterset_class is None:
        return []
    return [
        (name, model_filter.queryset.model)
        for name, model_filter in filterset_class.base_filters.items()
        if isinstance(model_filter, ModelChoiceFilter | ModelMultipleChoiceFilter)
        and issubclass(model_filter.queryset.model, TenantModel)
    ]


FILTERED_LIST_ROUTES = [
    route
    for route in list_routes()
    if "get" in route.methods and getattr(route.view_class, "queryset", None) is not None
]


@pytest.mark.parametrize("route", FILTERED_LIST_ROUTES, ids=str)
def test_filters_treat_other_accounts_ids_as_unknown(route, tenants):
    """`?group=<A's id>` with B's token must answer exactly like `?group=<no such id>`."""
    client = client_for(tenants.token_b)
    for name, model in _model_filters(route):
        foreign = factory_for(model)(account=tenants.a)
        url = reverse(route.name)
        foreign_response = client.get(url, {name: foreign.pk})
        unknown_response = client.get(url, {name: 2**40})
        assert foreign_response.status_code == unknown_response.status_code, (url, name)
        assert foreign_response.json() == unknown_response.json(), (url, name)
