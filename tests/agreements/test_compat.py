"""The original SLA Manager's interface under /sla-manager/api/v1/: the README's service
descriptors round-trip to its SLA and KPI shapes, errors keep the envelope, two accounts."""

import pytest

from agreements.models import Agreement
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
BASE = "/sla-manager/api/v1"
ROLE = {"imageId": "prhcatbsc/colmena-processing", "hardwareRequirements": ["CPU"]}
EXAMPLE_01 = {
    "id": {"value": "ExampleApplication_01"},
    "dockerContextDefinitions": [
        {"id": "company_premises", "imageId": "xaviercasasbsc/company_premises"}
    ],
    "kpis": [],
    "dockerRoleDefinitions": [
        {"id": f"Processing0{n}", **ROLE,
         "kpis": [{"query": "[go_memstats_frees_total] < 50000", "scope": ""}]}
        for n in (1, 2, 3)
    ],
}  # fmt: skip
APP01 = {
    "id": {"value": "App01"},
    "dockerContextDefinitions": [{"id": "company_premises", "imageId": "company_premises:latest"}],
    "kpis": [],
    "dockerRoleDefinitions": [
        {"id": "Getter", "imageId": "getter:latest", "hardwareRequirements": ["GETTER"],
         "kpis": [{"query": "avg_over_time(App01_processing_time[5m]) < 150",
                   "scope": "company_premises/building=."}]}
    ],
}  # fmt: skip
SLA_KEYS = {"id", "name", "state", "assessment", "creation", "expiration", "details"}
ASSESSMENT_KEYS = {
    "total_executions", "total_violations", "x", "x_assessment_broken_count", "y",
    "y_assessment_met_count", "z", "level", "violated", "first_execution", "last_execution",
    "guarantees",
}  # fmt: skip


def post(api, descriptor):
    return api.post(f"{BASE}/sla", descriptor, format="json")


def test_the_readme_descriptor_gives_three_agreements(api_a, tenants):
    created = post(api_a, EXAMPLE_01)
    assert created.status_code == 201, created.content
    assert created.json()["Resp"] == "ok" and len(created.json()["Response"]) == 3

    body = api_a.get(f"{BASE}/slas").json()
    assert {key: body[key] for key in ("Message", "Method", "Resp")} == {
        "Message": "Objects found", "Method": "GetSLAs", "Resp": "ok"
    }  # fmt: skip
    slas = body["Response"]
    assert [sla["name"] for sla in slas] == ["ExampleApplication_01"] * 3
    for sla, role in zip(slas, ("Processing01", "Processing02", "Processing03"), strict=True):
        assert set(sla) == SLA_KEYS
        assert sla["id"].startswith("ExampleApplication_01-") and sla["state"] == "started"
        assert set(sla["assessment"]) == ASSESSMENT_KEYS
        assessment = sla["assessment"]
        assert (assessment["x"], assessment["y"], assessment["z"]) == (2, 2, 5)
        assert assessment["level"] == "Unknown" and assessment["violated"] is False
        assert assessment["first_execution"] == "0001-01-01T00:00:00Z"
        assert sla["details"] == {
            "guarantees": [
                {
                    "name": role,
                    "constraint": "[go_memstats_frees_total] < 50000",
                    "query": "[go_memstats_frees_total#LABELS#] < 50000",
                    "scope": "",
                    "scopeTemplate": "",
                }
            ]
        }
        assert sla["creation"].endswith("Z") and sla["expiration"] > sla["creation"]

    one = api_a.get(f"{BASE}/sla/{slas[0]['id']}").json()
    assert (one["Method"], one["Message"], one["Response"]["id"]) == (
        "GetSLA", "Object found", slas[0]["id"]
    )  # fmt: skip
    by_service = api_a.get(f"{BASE}/slas/ExampleApplication_01").json()
    assert by_service["Method"] == "GetSLAsByServiceId" and len(by_service["Response"]) == 3

    kpis = api_a.get(f"{BASE}/kpis").json()
    assert (kpis["Method"], kpis["Message"]) == ("GetKPIs", "Objects found")
    first = kpis["Response"][0]
    assert first == {
        "serviceId": "ExampleApplication_01",
        "slaId": slas[0]["id"],
        "KPIs": [
            {
                "roleId": slas[0]["id"],
                "query": "[go_memstats_frees_total#LABELS#] < 50000",
                "level": "Unknown",
                "value": 0,
                "threshold": "",
                "violations": None,
                "total_violations": 0,
            }
        ],
    }
    kpi = api_a.get(f"{BASE}/kpi/{slas[1]['id']}").json()
    assert (kpi["Method"], kpi["Response"]["slaId"]) == ("GetKPI", slas[1]["id"])
    of_service = api_a.get(f"{BASE}/kpis/ExampleApplication_01").json()
    assert of_service["Method"] == "GetKPIsByServiceId" and len(of_service["Response"]) == 3

    deleted = api_a.delete(f"{BASE}/sla/{slas[0]['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "Message": "Object deleted", "Method": "DeleteSLA", "Resp": "ok",
        "Response": slas[0]["id"],
    }  # fmt: skip
    assert Agreement.objects.count() == 2


def test_a_scoped_descriptor_is_paused_until_its_context_arrives(api_a, tenants):
    post(api_a, APP01)
    (sla,) = api_a.get(f"{BASE}/slas").json()["Response"]
    assert sla["state"] == "paused" and sla["assessment"]["level"] == "Unknown"
    assert sla["details"]["guarantees"] == [
        {
            "name": "Getter",
            "constraint": "avg_over_time(App01_processing_time[5m]) < 150",
            "query": "[avg_over_time(App01_processing_time#LABELS#[5m])] < 150",
            "scope": "company_premises/building=.",
            "scopeTemplate": "company_premises/building=.",
        }
    ]
    api_a.put("/api/v1/contexts/ColmenaAgent1/company_premises",
              {"building": "Red", "floor": "22", "room": "001"}, format="json")  # fmt: skip
    (sla,) = api_a.get(f"{BASE}/slas").json()["Response"]
    assert sla["state"] == "started"
    assert sla["details"]["guarantees"][0]["constraint"] == (
        '[avg_over_time(App01_processing_time{company_premises_building="Red"}[5m])] < 150'
    )


def test_top_level_kpis_are_an_agreement_of_their_own(api_a, tenants):
    descriptor = {"id": {"value": "Top"}, "kpis": [{"query": "[up] == 1"}, {"query": "[a] < 2"}],
                  "dockerRoleDefinitions": [{"id": "NoKpis", "kpis": []}]}  # fmt: skip
    (created,) = post(api_a, descriptor).json()["Response"]
    names = [g["name"] for g in created["details"]["guarantees"]]
    assert names == ["Top", "Top#2"]


@pytest.mark.parametrize(
    ("descriptor", "field", "words"),
    [
        ({"kpis": [{"query": "[up] == 1"}]}, "id.value", "give the service id"),
        ({"id": {"value": "A"}, "dockerRoleDefinitions": [{"id": "R", "kpis": []}]},
         "dockerRoleDefinitions", "no role has kpis"),
        ({"id": {"value": "A"}, "dockerRoleDefinitions": [
            {"id": "R1", "kpis": [{"query": "[up] == 1"}]},
            {"id": "R2", "kpis": [{"query": "[up] => 1"}]}]},
         "dockerRoleDefinitions[1].kpis[0].query",
         "role R2: unknown operator '=>' at position 6"),
        ({"id": {"value": "A"}, "dockerRoleDefinitions": [
            {"id": "R", "kpis": [{"query": "[up] == 1", "scope": "premises"}]}]},
         "dockerRoleDefinitions[0].kpis[0].scope", "role R: "),
        ({"id": {"value": "A"}, "dockerRoleDefinitions": "nope"}, "dockerRoleDefinitions", ""),
        ([1, 2], "descriptor", ""),
    ],
)  # fmt: skip
def test_bad_descriptors_keep_the_envelope_and_create_nothing(api_a, tenants, descriptor,
                                                              field, words):  # fmt: skip
    response = post(api_a, descriptor)
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["Method"], body["Resp"]) == ("CreateSLA", "error")
    assert body["Message"].startswith(f"{field}: {words}")
    assert field in body["Response"]["fields"]
    assert not Agreement.objects.exists()


def test_errors_keep_the_envelope(api_a, tenants):
    missing = api_a.get(f"{BASE}/sla/Nope-123")
    assert missing.status_code == 404
    assert missing.json() == {"Message": "SLA 'Nope-123' not found", "Method": "GetSLA",
                              "Resp": "error", "Response": None}  # fmt: skip
    assert api_a.get(f"{BASE}/slas/NoSuchService").status_code == 404
    assert api_a.get(f"{BASE}/nowhere").json()["Resp"] == "error"
    anonymous = client_for(None).get(f"{BASE}/slas")
    assert anonymous.status_code == 401
    assert anonymous.json()["Resp"] == "error" and anonymous.json()["Method"] == "GetSLAs"
    bad_json = api_a.post(f"{BASE}/sla", "{nope", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["Resp"] == "error"


def test_another_accounts_agreements_are_404(api_a, api_b, tenants):
    (sla,) = post(api_a, APP01).json()["Response"]
    for path in (f"sla/{sla['id']}", f"kpi/{sla['id']}", "slas/App01", "kpis/App01"):
        response = api_b.get(f"{BASE}/{path}")
        assert response.status_code == 404 and response.json()["Resp"] == "error", path
    assert api_b.delete(f"{BASE}/sla/{sla['id']}").status_code == 404
    assert api_b.get(f"{BASE}/slas").json()["Response"] == []
    assert api_b.get(f"{BASE}/kpis").json()["Response"] == []
    assert Agreement.objects.filter(agreement_id=sla["id"]).exists()
