"""The OpenAPI schema says what each operation answers, and the answers match it.

(The schemathesis run in test_schemathesis.py fuzzes every operation; these tests pin the
cases the issue named and the generic documentation rules.)
"""

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from slaportal.api.tags import TAG_DESCRIPTIONS
from tests.factories import (
    DowntimeFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

pytestmark = pytest.mark.django_db

TAG_NAMES = {tag["name"] for tag in TAG_DESCRIPTIONS}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def test_every_operation_has_a_tag_a_summary_and_its_error_answers(schema):
    errors = schema["components"]["schemas"]["Error"]
    assert set(errors["required"]) == {"error", "message"}
    for method, path, operation in _operations(schema):
        label = f"{method} {path}"
        assert operation.get("summary"), label
        assert "\n" not in operation["summary"], label
        assert operation["tags"] and operation["tags"][0] != "v1", label
        responses = operation["responses"]
        assert {"401", "403"} <= set(responses), label
        if "{id}" in path:
            assert "404" in responses, label
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), label


def test_the_main_areas_have_their_own_tags(schema):
    tags = {operation["tags"][0] for _, _, operation in _operations(schema)}
    assert {"accounts", "ingest", "SLAs", "SLOs", "reports", "status pages"} <= tags
    assert tags <= TAG_NAMES | tags  # unknown areas keep their first path segment


def test_sub_resources_are_documented_as_what_they_return(schema):
    paths = schema["paths"]
    burn = paths["/api/v1/slos/{id}/burn-rate"]["get"]["responses"]["200"]
    assert burn["content"]["application/json"]["schema"]["$ref"].endswith("/BurnRate")
    snapshots = paths["/api/v1/slos/{id}/snapshots"]["get"]["responses"]["200"]
    assert snapshots["content"]["application/json"]["schema"]["$ref"].endswith("/SLOSnapshots")
    report = paths["/api/v1/daily-reports/{id}/json"]["get"]["responses"]["200"]
    assert report["content"]["application/json"]["schema"]["type"] == "object"
    slo = schema["components"]["schemas"]["SLO"]
    assert "status" in slo["properties"] and "status" in slo.get("required", [])
    incident = schema["components"]["schemas"]["PublicIncident"]
    assert "components" in incident["properties"]


def test_unknown_api_paths_answer_json_404_even_in_debug(api_a):
    with override_settings(DEBUG=True):
        response = api_a.get("/api/v1/no-such-thing/7")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not found."}


def test_an_offset_postgresql_cannot_hold_is_no_server_error(api_a, tenants):
    DowntimeFactory(account=tenants.a)
    response = api_a.get("/api/v1/downtimes?active_at=2026-12-02T10:00:00%2B16:00")
    assert response.status_code == 200, response.content
    bad = api_a.get("/api/v1/downtimes?active_at=yesterday")
    assert bad.status_code == 400 and "active_at" in bad.json()["fields"]


def test_a_service_without_data_has_no_state_yet(api_a, tenants):
    service = ServiceFactory(account=tenants.a, current_state="")
    body = api_a.get(f"/api/v1/services/{service.pk}").json()
    assert body["current_state"] is None


def test_incident_names_are_null_for_the_other_kind_of_subject(api_a, tenants):
    group = ServiceGroupFactory(account=tenants.a)
    incident = IncidentFactory(account=tenants.a, service=None, group=group)
    body = api_a.get(f"/api/v1/incidents/{incident.pk}").json()
    assert (body["service_path"], body["group_name"]) == (None, group.name)


def test_slo_create_takes_a_service_path_and_answers_with_its_status(api_a, tenants):
    ServiceFactory(account=tenants.a, path="payment/api")
    created = api_a.post(
        "/api/v1/slos",
        {"name": "api", "service": "payment/api", "target": 99.9, "window_days": 30},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"]["alert_state"] == "ok"
    unknown = api_a.post(
        "/api/v1/slos",
        {"name": "x", "service": "no/such", "target": 99.9, "window_days": 30},
        format="json",
    )
    assert unknown.status_code == 400 and "service" in unknown.json()["fields"]


def test_public_incident_components_are_returned_as_written(api_a, tenants):
    page = StatusPageFactory(account=tenants.a)
    component = StatusPageComponentFactory(account=tenants.a, page=page)
    created = api_a.post(
        "/api/v1/public-incidents",
        {
            "page": page.pk,
            "name": "Slow checkout",
            "body": "We are looking into it.",
            "components": [{"component": component.pk, "status": "major_outage"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["components"] == [{"component": component.pk, "status": "major_outage"}]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events",
        "/api/v1/requests",
        "/api/v1/services",
        "/api/v1/slas",
        "/api/v1/slos",
        "/api/v1/downtimes",
        "/api/v1/public-incidents",
    ],
)
def test_the_main_write_endpoints_show_an_example(schema, path):
    body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    assert body.get("examples"), path
