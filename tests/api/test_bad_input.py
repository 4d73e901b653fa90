"""Bad input to every API route gets a 4xx with a JSON message; none gets a 500.

Walks every route (future ones too) and throws malformed bodies and query strings at it
with a token that may do everything, on the caller's own objects.
"""

import json

import pytest
from django.urls import reverse

from tests.api.routes import api_routes
from tests.conftest import client_for
from tests.factories import factory_for

WRITE_METHODS = {"post", "put", "patch"}
GARBAGE_BODIES = [
    ("invalid json", "{not json"),
    ("json array", "[1, 2, 3]"),
    ("json string", '"hello"'),
    ("json number", "42"),
    ("json null", "null"),
    ("empty object", "{}"),
    ("nul bytes", None),  # every field of the endpoint set to a string with a NUL byte
]
WEIRD_VALUES = [
    None,
    [],
    {},
    [1, {"x": None}],
    {"nested": {"deep": [1, 2]}},
    -1,
    10**30,
    1.5e308,
    "x" * 5000,
    "\u0000",
    "not-a-date",
    True,
]
WEIRD_QUERIES = [
    "page=abc",
    "page=999999",
    "page_size=-5",
    "page_size=abc",
    "from=yesterday&to=now",
    "last=-3",
    "last=abc",
    "service=not-a-number",
    "window=xyz",
    "resolution=1y",
    "days=abc",
    "last=%C2%B2",  # "²": str.isdigit() is true, int() fails
    "page=%C2%B2",
    "service=%C2%B2",
    "sla=%C2%B2&group=%C2%B2&slo=%C2%B2",
    "from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z",
    "from=9999-12-30T00:00:00Z&to=9999-12-31T00:00:00Z",
    "to=0001-01-01T01:00:00Z",
    "label=contains=x",
    "label=isnull=x",
    "label=app.kubernetes.io/name=web",
    "group=99999999999999999999",
]


def _writable_routes():
    return [
        (route, method)
        for route in api_routes()
        for method in route.methods
        if method in WRITE_METHODS
    ]


def _url_for(route, tenants):
    if not route.kwargs:
        return reverse(route.name)
    own_object = factory_for(route.model)(account=tenants.a)
    return reverse(route.name, kwargs={"pk": own_object.pk})


def _field_names(route) -> list[str]:
    serializer_class = getattr(route.view_class, "serializer_class", None)
    if serializer_class is None:
        return ["name", "service", "at", "state", "start", "end", "target"]
    return list(serializer_class().fields)


def _assert_clean_4xx(response, context):
    assert 400 <= response.status_code < 500, (context, response.status_code, response.content)
    body = response.json()
    assert isinstance(body.get("error"), str) and body.get("message"), (context, body)


@pytest.mark.parametrize(("route", "method"), _writable_routes(), ids=lambda v: str(v))
def test_garbage_bodies_are_4xx_json(route, method, tenants):
    url = _url_for(route, tenants)
    client = client_for(tenants.token_a)
    for label, body in GARBAGE_BODIES:
        if body is None:
            body = json.dumps(dict.fromkeys(_field_names(route), "a\u0000b"))
        response = getattr(client, method)(url, data=body, content_type="application/json")
        if label == "empty object" and response.status_code < 400:
            continue  # some endpoints accept an empty patch
        _assert_clean_4xx(response, (url, method, label))


@pytest.mark.parametrize(("route", "method"), _writable_routes(), ids=lambda v: str(v))
def test_wrong_types_in_every_field_are_4xx_json(route, method, tenants):
    url = _url_for(route, tenants)
    client = client_for(tenants.token_a)
    for value in WEIRD_VALUES:
        body = json.dumps(dict.fromkeys(_field_names(route), value))
        response = getattr(client, method)(url, data=body, content_type="application/json")
        assert response.status_code < 500, (url, method, value, response.content)
        if response.status_code >= 400:
            _assert_clean_4xx(response, (url, method, value))


@pytest.mark.parametrize(
    "route", [route for route in api_routes() if "get" in route.methods], ids=str
)
def test_weird_query_strings_never_500(route, tenants):
    url = _url_for(route, tenants)
    client = client_for(tenants.token_a)
    for query in WEIRD_QUERIES:
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query, response.content)
        if response.status_code >= 400:
            _assert_clean_4xx(response, (url, query))


def test_unknown_api_path_is_json_404(tenants):
    response = client_for(tenants.token_a).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer a b", "Bearer slap_short_x", "Bearer not-a-token", "Basic dXNlcjpwdw=="],
)
def test_bad_authorization_headers_are_401(header, tenants):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/account")
    assert response.status_code == 401
    assert response.json()["error"] in {"authentication_failed", "not_authenticated"}
