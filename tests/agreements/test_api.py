"""The native agreements API: create, scopes and contexts, state changes, violations and
KPIs, bad input (400 naming the field, nothing created), two accounts."""

import pytest

from agreements.models import Agreement, Context, Violation
from tests.factories import GuaranteeFactory, ViolationFactory

pytestmark = pytest.mark.django_db

GETTER = {
    "name": "Getter",
    "query": "avg_over_time(App01_processing_time[5m]) < 150",
    "scope": "company_premises/building=.",
}


def create(api, **data):
    body = {"name": "App01", "guarantees": [GETTER]} | data
    return api.post("/api/v1/agreements", body, format="json")


def test_create_paused_then_the_context_starts_it(api_a, tenants):
    response = create(api_a)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "paused" and body["level"] == "Unknown"
    assert body["agreement_id"].startswith("App01-") and len(body["agreement_id"]) == 28
    (guarantee,) = body["guarantees"]
    assert guarantee["query"] == "[avg_over_time(App01_processing_time#LABELS#[5m])] < 150"
    assert guarantee["constraint"] == GETTER["query"]

    context = {"building": "Red", "floor": "22", "room": "001"}
    put = api_a.put("/api/v1/contexts/ColmenaAgent1/company_premises", context, format="json")
    assert put.status_code == 200, put.content
    assert put.json()["agreements_changed"] == 1 and put.json()["values"] == context
    detail = api_a.get(f"/api/v1/agreements/{body['agreement_id']}").json()
    assert detail["state"] == "started"
    assert detail["guarantees"][0]["constraint"] == (
        '[avg_over_time(App01_processing_time{company_premises_building="Red"}[5m])] < 150'
    )
    assert api_a.get(f"/api/v1/agreements/{body['id']}").json()["id"] == body["id"]


def test_state_changes(api_a, tenants):
    created = create(api_a, guarantees=[{"name": "g", "query": "[up] == 1"}]).json()
    url = f"/api/v1/agreements/{created['agreement_id']}"
    assert created["state"] == "started"
    stopped = api_a.patch(url, {"state": "stopped"}, format="json")
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
    assert stopped.json()["next_due_at"] is None
    started = api_a.patch(url, {"state": "started"}, format="json")
    assert started.json()["state"] == "started"
    refused = api_a.patch(url, {"state": "paused"}, format="json")
    assert refused.status_code == 400 and "state" in refused.json()["fields"]
    Agreement.objects.filter(pk=created["id"]).update(state="expired")
    final = api_a.patch(url, {"state": "started"}, format="json")
    assert final.status_code == 400
    assert final.json()["fields"] == {"state": ["the agreement expired; its state is final"]}


def test_violations_kpis_and_levels(api_a, tenants):
    guarantee = GuaranteeFactory(account=tenants.a)
    ViolationFactory(account=tenants.a, guarantee=guarantee, agreement=guarantee.agreement)
    agreement = guarantee.agreement
    violations = api_a.get(f"/api/v1/agreements/{agreement.pk}/violations").json()
    assert violations["results"][0]["guarantee"] == guarantee.name
    assert violations["results"][0]["values"][0]["key"] == "go_memstats_frees_total"
    kpis = api_a.get(f"/api/v1/agreements/{agreement.agreement_id}/kpis").json()
    assert kpis["serviceId"] == agreement.name and kpis["slaId"] == agreement.agreement_id
    assert kpis["KPIs"][0]["query"] == guarantee.query
    assert api_a.get(f"/api/v1/agreements/{agreement.pk}/levels").json()["results"] == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"guarantees": [{"name": "g", "query": "[x] =< 3"}]}, "guarantees[0].query",
         "unknown operator '=<' at position 5"),
        ({"guarantees": [{"name": "g", "query": "[rate(x[5m]) < 3"}]}, "guarantees[0].query",
         "'[' at position 1 is never closed"),
        ({"guarantees": [{"name": "g", "query": "[x] < 3", "scope": "building=."}]},
         "guarantees[0].scope", "is not CONTEXT/KEY=PATTERN"),
        ({"guarantees": []}, "guarantees", ""),
        ({"x": 0}, "x", ""),
        ({"z": 1}, "z", "at least x"),
        ({"expiration": "2020-01-01T00:00:00Z"}, "expiration", "future"),
        ({"interval_seconds": 1}, "interval_seconds", ""),
        ({"guarantees": [{"name": "g", "query": "[a] < 1"}, {"name": "g", "query": "[b] < 1"}]},
         "guarantees[1].name", "used twice"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_creates_nothing(api_a, tenants, change, field, words):
    response = create(api_a, **change)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["fields"], body
    assert words in " ".join(body["fields"][field])
    assert not Agreement.objects.exists()


def test_a_promql_syntax_error_shows_prometheus_own_message(api_a, tenants, source):
    response = create(api_a, guarantees=[{"name": "g", "query": "[rate(x[5m]) +] < 3"}])
    assert response.status_code == 400, response.content
    (message,) = response.json()["fields"]["guarantees[0].query"]
    assert message.startswith("Prometheus refused 'rate(x[5m]) +': ") and "parse error" in message
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    "body", [[], "x", {"building": 3}, {"building": None}, {"a": {"b": "c"}}, {"a": "b\u0000"}]
)
def test_a_context_must_be_an_object_of_strings(api_a, tenants, body):
    response = api_a.put("/api/v1/contexts/agent/company_premises", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]
    assert not Context.objects.exists()


def test_bad_context_paths(api_a, tenants):
    assert api_a.put("/api/v1/contexts/agent/1bad", {}, format="json").status_code == 400
    assert api_a.put("/api/v1/contexts/justone", {}, format="json").status_code == 404


def test_another_accounts_agreement_is_404_and_contexts_stay_apart(api_a, api_b, tenants):
    created = create(api_a).json()
    for ref in (created["id"], created["agreement_id"]):
        url = f"/api/v1/agreements/{ref}"
        assert api_b.get(url).status_code == 404
        assert api_b.patch(url, {"state": "stopped"}, format="json").status_code == 404
        assert api_b.delete(url).status_code == 404
        assert api_b.get(f"{url}/violations").status_code == 404
        assert api_b.get(f"{url}/kpis").status_code == 404
    assert api_b.get("/api/v1/agreements").json()["results"] == []
    # B's context of the same name starts nothing of A's.
    put = api_b.put("/api/v1/contexts/a1/company_premises", {"building": "Red"}, format="json")
    assert put.json()["agreements_changed"] == 0
    assert Agreement.objects.get(pk=created["id"]).state == "paused"
    assert api_a.get("/api/v1/contexts/a1/company_premises").status_code == 404
    assert api_b.get("/api/v1/contexts/a1/company_premises").status_code == 200
    assert api_a.delete(f"/api/v1/agreements/{created['agreement_id']}").status_code == 204
    assert not Violation.objects.exists() and not Agreement.objects.exists()
