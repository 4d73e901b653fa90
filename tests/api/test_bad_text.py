"""Text no database can store (a lone surrogate, "x\\udfff") in any string field of any
write operation is a 400 naming the field, or, in batches, rejects its item only; never a
500.

Generated from the published OpenAPI schema: every string the request body of a POST, PUT
or PATCH declares (nested objects, lists and label maps included) is sent, alone, as
"x\\udfff". Operations whose body the schema leaves open (batches, webhooks, imports) have
an explicit case below: a new one fails here until it gets its case.
"""

import datetime as dt
import json

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from sla.models import Service, StatusEvent
from tests.conftest import client_for
from tests.factories import VectorSourceFactory, factory_for

pytestmark = pytest.mark.django_db
BAD = "x\udfff"
WRITE_METHODS = ("post", "put", "patch")


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolved(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _string_paths(schema: dict, components: dict, path: tuple = ()):
    """Paths (tuples of keys and list indexes) of every writable string in a body schema."""
    schema = _resolved(schema, components)
    if schema.get("readOnly"):
        return
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combined, ()):
            yield from _string_paths(part, components, path)
    kind = schema.get("type")
    if kind == "string" or (kind is None and "enum" in schema):
        yield path
    elif kind == "object" or "properties" in schema:
        for name, part in schema.get("properties", {}).items():
            yield from _string_paths(part, components, (*path, name))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            yield (*path, "key")  # a map's key, e.g. a label name
            yield from _string_paths(extra, components, (*path, "key"))
    elif kind == "array":
        yield from _string_paths(schema.get("items", {}), components, (*path, 0))


def _body_with(path: tuple, value):
    """A body holding `value` at `path` (only there)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    inner = _body_with(rest, value)
    if isinstance(head, int):
        return [inner]
    return {head: inner}


def _field_name(path: tuple) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


def write_operations() -> list[tuple[str, str, dict]]:
    schema = _schema()
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
    ]


def _json_body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _url(path: str, account) -> str:
    if "{id}" not in path:
        return path
    match = resolve(path.replace("{id}", "1"))
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    queryset = getattr(view, "queryset", None)
    model = queryset.model if queryset is not None else view.tenant_model
    return path.replace("{id}", str(factory_for(model)(account=account).pk))


def _post(client, method: str, url: str, body) -> object:
    # json.dumps writes the surrogate as the escape "\udfff", as a client would.
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _assert_names(response, field: str, context) -> dict:
    assert response.status_code == 400, (context, response.status_code, response.content)
    body = response.json()
    assert body["error"] == "validation_error", (context, body)
    assert field in body["fields"], (context, field, body)
    assert "surrogate" in body["fields"][field][0], (context, body)
    return body


def test_every_string_field_of_every_write_operation_refuses_a_lone_surrogate(tenants):
    components = _schema()["components"]["schemas"]
    client = client_for(tenants.token_a)
    checked = 0
    for path, method, operation in write_operations():
        body_schema = _json_body_schema(operation)
        if body_schema is None:
            continue  # no body (e.g. POST .../test)
        fields = sorted(set(_string_paths(body_schema, components)), key=str)
        if not fields:
            assert (method, path) in OPEN_BODIES, f"{method} {path}: add a case to OPEN_BODIES"
            continue
        for field in fields:
            url = _url(path, tenants.a)
            if field and field[-1] == "key":  # a bad map key is named by its own path
                body = _body_with(field[:-1], {BAD: "value"})
                name = _field_name((*field[:-1], "x\\udfff"))
            else:
                body, name = _body_with(field, BAD), _field_name(field)
            _assert_names(_post(client, method, url, body), name, (method, path))
            checked += 1
    assert checked > 100  # the schema was really walked


def test_every_write_operation_with_an_open_body_has_a_case():
    components = _schema()["components"]["schemas"]
    open_bodies = {
        (method, path)
        for path, method, operation in write_operations()
        if (schema := _json_body_schema(operation)) is not None
        and not list(_string_paths(schema, components))
    }
    assert open_bodies == set(OPEN_BODIES)


def _minute_ago() -> str:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return (now - dt.timedelta(minutes=2)).isoformat().replace("+00:00", "Z")


def _counts_item(service: str) -> dict:
    start = dt.datetime.fromisoformat(_minute_ago())
    end = start + dt.timedelta(minutes=1)
    return {
        "service": service,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "good": 9,
        "total": 10,
    }


def _events(tenants):
    good = {"service": "web", "at": _minute_ago(), "state": "OK", "id": "good"}
    bad = {**good, "id": "bad", "message": BAD}
    response = _post(client_for(tenants.token_a), "post", "/api/v1/events", [good, bad])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["field"] == "message"
    assert StatusEvent.objects.filter(account=tenants.a).count() == 1


def _requests(tenants):
    items = [_counts_item("web"), {**_counts_item("api"), "service": BAD}]
    response = _post(client_for(tenants.token_a), "post", "/api/v1/requests", {"items": items})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 1
    assert [(error["index"], error["field"]) for error in body["rejected"]] == [(1, "service")]


def _alertmanager(tenants):
    alert = {"status": "firing", "labels": {"service": BAD}, "startsAt": _minute_ago()}
    response = _post(
        client_for(tenants.token_a),
        "post",
        "/api/v1/integrations/alertmanager",
        {"version": "4", "alerts": [alert]},
    )
    _assert_names(response, "alerts[0].labels.service", "alertmanager")


def _services_import(tenants):
    client = client_for(tenants.token_a)
    _assert_names(_post(client, "post", "/api/v1/services/import", {"yaml": BAD}), "yaml", "")
    # YAML's own escapes can carry one too.
    yaml_text = 'path: web\nname: "x\\udfff"\n'
    response = _post(client, "post", "/api/v1/services/import", {"yaml": yaml_text})
    assert response.status_code == 400, response.content
    assert "documents[0].name" in response.json()["fields"]
    assert not Service.objects.filter(account=tenants.a).exists()


def _vector_records(tenants):
    source = VectorSourceFactory(account=tenants.a)
    record = {"message": BAD, "timestamp": _minute_ago()}
    response = _post(
        client_for(tenants.token_a), "post", f"/api/v1/vector-sources/{source.pk}/records", [record]
    )
    # Vector's raw lines are bytes to it: the surrogate reads as unparseable, per record.
    assert response.status_code == 400, response.content
    assert [(error["index"], error["field"]) for error in response.json()["errors"]] == [
        (0, "message")
    ]


def _federation_push(endpoint: str):
    def case(tenants):
        # A push is all or nothing ("bad push; nothing was changed"): a 400 naming the path.
        body = {"id": "push-1", "type": endpoint, "source": "plugin", "data": {"name": BAD}}
        response = _post(
            client_for(tenants.token_a), "post", f"/api/v1/federation/{endpoint}", body
        )
        _assert_names(response, "data.name", endpoint)

    return case


def _context_put(tenants):
    response = _post(
        client_for(tenants.token_a), "put", "/api/v1/contexts/agent-1/site", {"building": BAD}
    )
    _assert_names(response, "building", "contexts")


OPEN_BODIES = {
    ("post", "/api/v1/events"): _events,
    ("post", "/api/v1/requests"): _requests,
    ("post", "/api/v1/integrations/alertmanager"): _alertmanager,
    ("post", "/api/v1/services/import"): _services_import,
    ("post", "/api/v1/vector-sources/{id}/records"): _vector_records,
    ("put", "/api/v1/contexts/{id}"): _context_put,
    **{
        ("post", f"/api/v1/federation/{endpoint}"): _federation_push(endpoint)
        for endpoint in ("events", "incidents", "downtimes", "reports")
    },
}


@pytest.mark.parametrize("operation", sorted(OPEN_BODIES), ids=lambda op: f"{op[0]} {op[1]}")
def test_open_bodies_reject_a_lone_surrogate_per_item_or_naming_the_field(operation, tenants):
    OPEN_BODIES[operation](tenants)
