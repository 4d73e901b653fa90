"""POST/GET /api/v1/events and POST /api/v1/services/import over HTTP."""

import datetime as dt
import json

import pytest
import time_machine

from sla.models import Service, ServiceGroup, StatusEvent
from tests.conftest import client_for
from tests.factories import ApiTokenFactory, ServiceFactory, StatusEventFactory
from tests.sla.helpers import T0, item

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/v1/events", data=data, content_type=content_type)


def test_batch_with_duplicates_and_a_bad_item(api_a, tenants):
    batch = [
        item("pay/api", 0, "OK", id="e1"),
        item("pay/api", 5, "DEGRADED"),
        item("pay/api", 6, "BROKEN"),
    ]
    response = post(api_a, {"events": batch})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["received"],
        body["accepted"],
        body["new"],
        body["duplicates"],
        body["rejected"],
    ) == (3, 2, 2, 0, 1)
    assert body["errors"][0]["index"] == 2 and body["errors"][0]["field"] == "state"
    assert body["services_created"] == ["pay/api"]
    again = post(api_a, batch[:2]).json()  # a bare list works too
    assert (again["new"], again["duplicates"]) == (0, 2)


def test_single_event_object(api_a, tenants):
    response = post(api_a, item("web", 0, "up", message="fine"))
    assert response.status_code == 200 and response.json()["new"] == 1
    assert StatusEvent.objects.get(account=tenants.a).state == "OK"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (item("web", 0, "SIDEWAYS"), "state"),
        ({**item("web", 0, "OK"), "at": "2024-03-04T10:00:00"}, "at"),
        (item("web", 10, "OK", base=NOW), "at"),  # beyond the 300 s skew
        ({"at": "2024-03-04T10:00:00Z", "state": "OK"}, "service"),
    ],
)
def test_a_rejected_single_event_is_a_400_naming_the_field(api_a, body, field):
    response = post(api_a, body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "validation_error" and field in payload["fields"]
    assert payload["message"].startswith(f"{field}:") and payload["errors"][0]["field"] == field


def test_all_rejected_batch_is_a_400_with_indexes(api_a):
    response = post(api_a, [item("web", 0, "nope"), 7])
    body = response.json()
    assert response.status_code == 400 and body["rejected"] == 2
    assert set(body["fields"]) == {"events[0].state", "events[1]"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{broken", 400, "parse_error"),
        ('{"service": NaN}', 400, "parse_error"),
        ("[" * 100_000, 400, "parse_error"),
        ('"text"', 400, "validation_error"),
        ("[]", 400, "validation_error"),
        ('{"events": 5}', 400, "validation_error"),
    ],
)
def test_malformed_bodies(api_a, body, status, code):
    response = post(api_a, body)
    assert response.status_code == status and response.json()["error"] == code


def test_oversized_batch_is_413(api_a, settings):
    settings.SLA_INGEST_MAX_BATCH = 3
    response = post(api_a, [item("web", n, "OK") for n in range(4)])
    assert response.status_code == 413
    assert response.json() == {
        "error": "batch_too_large",
        "message": "A batch holds at most 3 events; this one has 4.",
    }
    assert not StatusEvent.objects.exists()


def test_oversized_body_is_413(api_a, settings):
    settings.SLA_INGEST_MAX_BODY_BYTES = 1024
    response = post(api_a, [item("web", 0, "OK", message="x" * 2000)])
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"


def test_wrong_media_type_is_415(api_a):
    response = post(api_a, "service=web", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_ingest_needs_the_ingest_scope(tenants):
    for scopes in (["read"], ["write"], ["read", "write"]):
        token = ApiTokenFactory(account=tenants.a, scopes=scopes)
        response = post(client_for(token), item("web", 0, "OK"))
        assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    ingest_only = client_for(ApiTokenFactory(account=tenants.a, scopes=["ingest"]))
    assert post(ingest_only, item("web", 0, "OK")).status_code == 200
    assert ingest_only.get("/api/v1/events").status_code == 403


def test_ingest_works_with_the_sla_feature_off(api_a, tenants, settings):
    tenants.a.feature_sla = False
    tenants.a.save()
    assert post(api_a, item("web", 0, "OK")).status_code == 200
    settings.SLA_ENABLED = False
    assert post(api_a, item("web", 1, "OK")).status_code == 200


def test_events_go_to_the_tokens_account_only(api_a, api_b, tenants):
    post(api_b, item("web", 0, "CRIT"))
    post(api_a, item("web", 0, "OK"))
    assert StatusEvent.objects.get(account=tenants.a).state == "OK"
    assert StatusEvent.objects.get(account=tenants.b).state == "CRIT"
    ids = {row["id"] for row in api_b.get("/api/v1/events").json()["results"]}
    assert ids == {StatusEvent.objects.get(account=tenants.b).pk}


def test_list_filters_and_detail(api_a, tenants):
    web = ServiceFactory(account=tenants.a, path="web")
    db = ServiceFactory(account=tenants.a, path="db")
    StatusEventFactory(account=tenants.a, service=web, at=T0, state="OK", dedup_key="id:x1")
    crit = StatusEventFactory(
        account=tenants.a, service=web, at=T0 + dt.timedelta(hours=1), state="CRIT"
    )
    StatusEventFactory(account=tenants.a, service=db, at=T0, state="CRIT")

    def ids(query):
        response = api_a.get(f"/api/v1/events?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert len(ids("")) == 3
    assert ids(f"service={web.pk}&state=down") == [crit.pk]
    assert ids("service_path=web&from=2024-03-04T00:30:00Z") == [crit.pk]
    assert len(ids("to=2024-03-04T00:30:00%2B00:00")) == 2
    assert len(ids("to=2024-03-04T00:30:00+00:00")) == 2  # '+' read as a space is repaired
    assert api_a.get("/api/v1/events?from=2024-03-04T00:00:00").status_code == 400
    assert api_a.get("/api/v1/events?service=99999999999999999999999").status_code == 400
    detail = api_a.get(f"/api/v1/events/{crit.pk}").json()
    assert (
        detail["service_path"] == "web" and detail["state"] == "CRIT" and detail["event_id"] is None
    )
    first = StatusEvent.objects.get(dedup_key="id:x1")
    assert api_a.get(f"/api/v1/events/{first.pk}").json()["event_id"] == "x1"


def test_list_pages_with_a_cursor(api_a, tenants):
    service = ServiceFactory(account=tenants.a)
    for _ in range(5):
        StatusEventFactory(account=tenants.a, service=service)
    page = api_a.get("/api/v1/events?page_size=2").json()
    seen = [row["id"] for row in page["results"]]
    while page["next"]:
        page = api_a.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]
    assert len(seen) == 5 == len(set(seen)) and seen == sorted(seen, reverse=True)


# --------------------------------------------------------------------------- import

DOCUMENTS = """\
path: payment/api
slaGroup: payment-system
labels: {team: pay}
---
- path: payment/db
  slaGroup: payment-system
  name: Payment DB
- path: shop/web
"""


def test_yaml_import_creates_then_is_idempotent(api_a, tenants):
    response = api_a.post(
        "/api/v1/services/import", data=DOCUMENTS, content_type="application/yaml"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == ["payment/api", "payment/db", "shop/web"]
    assert body["groups_created"] == ["payment-system"]
    api = Service.objects.get(account=tenants.a, path="payment/api")
    assert api.group.name == "payment-system" and api.labels == {"team": "pay"}
    again = api_a.post("/api/v1/services/import", data={"yaml": DOCUMENTS}, format="json").json()
    assert again["unchanged"] == ["payment/api", "payment/db", "shop/web"] and not again["created"]
    moved = api_a.post(
        "/api/v1/services/import", data="path: payment/api\n", content_type="text/yaml"
    ).json()
    assert moved["updated"] == ["payment/api"]
    api.refresh_from_db()
    assert api.group is None and api.labels == {}


def test_yaml_import_errors_name_document_and_field_and_write_nothing(api_a, tenants):
    text = (
        "path: ok/one\n---\npath: 'bad path'\n---\n"
        "path: x\nslaGroup: 5\nlabels: {v: 1.0}\n---\nfoo: 1\n"
    )
    response = api_a.post("/api/v1/services/import", data=text, content_type="application/yaml")
    assert response.status_code == 400
    body = response.json()
    assert {(e["index"], e["field"]) for e in body["errors"]} == {
        (1, "path"),
        (2, "slaGroup"),
        (2, "labels"),
        (3, "foo"),
        (3, "path"),
    }
    assert "documents[1].path" in body["fields"]
    assert not Service.objects.filter(account=tenants.a).exists()
    assert not ServiceGroup.objects.filter(account=tenants.a).exists()


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("path: [unclosed", "application/yaml", 400),
        ("!!python/object/apply:os.system ['true']", "application/yaml", 400),
        ('{"yaml": 5}', "application/json", 400),
        ("", "application/yaml", 400),
        ("path: a", "application/xml", 415),
    ],
)
def test_yaml_import_bad_bodies(api_a, data, content_type, status):
    response = api_a.post("/api/v1/services/import", data=data, content_type=content_type)
    assert response.status_code == status and response.json()["error"]


def test_import_needs_write(tenants):
    client = client_for(ApiTokenFactory(account=tenants.a, scopes=["read", "ingest"]))
    response = client.post(
        "/api/v1/services/import", data="path: a\n", content_type="application/yaml"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("field", ["message", "id", "service", "state", "at"])
@pytest.mark.parametrize("known_service", [True, False])
def test_a_lone_surrogate_rejects_only_its_item_naming_the_field(
    api_a, tenants, field, known_service
):
    # "x\udfff" cannot be stored as UTF-8: PostgreSQL's driver refused the whole batch (500).
    if known_service:
        ServiceFactory(account=tenants.a, path="web")
    bad = {**item("web", 1, "OK", id="bad", message="fine"), field: "x\udfff"}
    batch = [item("web", 0, "OK", id="good"), bad]
    response = post(api_a, json.dumps({"events": batch}))  # json.dumps escapes it as \udfff
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["new"], body["rejected"]) == (1, 1, 1)
    assert body["errors"] == [{"index": 1, "field": field, "error": body["errors"][0]["error"]}], (
        body
    )
    assert "surrogate" in body["errors"][0]["error"]
    stored = StatusEvent.objects.filter(account=tenants.a).values_list("dedup_key", flat=True)
    assert list(stored) == ["id:good"]


def test_a_single_event_with_a_lone_surrogate_is_a_400_naming_the_field(api_a, tenants):
    response = post(api_a, json.dumps(item("web", 0, "OK", message="x\udfff")))
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["fields"].keys() == {"message"} and payload["message"].startswith("message:")
    assert not StatusEvent.objects.filter(account=tenants.a).exists()


def _outcome(body) -> tuple:
    return (body["new"], body["duplicates"], body["conflicts"], body["rejected"])


def test_an_id_names_one_event_of_the_account(api_a, api_b, tenants):
    # An id reused for another service counted as a duplicate of the first event and yet
    # created the second service, with no events.
    first = item("pay/api", 0, "OK", id="a-1")
    assert post(api_a, [first]).status_code == 200
    batch = [
        {**first, "service": "pay/other"},  # another service: a conflict
        first,  # the exact repeat: a duplicate
        {**first, "message": "again"},  # the same event with another message: a duplicate
        item("pay/api", 5, "CRIT", id="a-2"),  # new
        item("pay/api", 9, "CRIT", id="a-2"),  # another instant than item 3: a conflict
        {**first, "state": "CRIT"},  # another state: a conflict
    ]
    body = post(api_a, batch).json()
    assert _outcome(body) == (1, 2, 3, 3), body
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [
        (0, "id", "conflict"),
        (4, "id", "conflict"),
        (5, "id", "conflict"),
    ]
    assert (
        "'a-1' already names the event pay/api 2024-03-04T00:00:00Z OK"
        in (body["errors"][0]["error"])
    )
    assert "item 3 of this batch" in body["errors"][1]["error"]
    assert body["services_created"] == []
    assert not Service.objects.filter(account=tenants.a, path="pay/other").exists()
    stored = StatusEvent.objects.filter(account=tenants.a).order_by("at")
    assert [(e.service.path, e.state, e.dedup_key, e.message) for e in stored] == [
        ("pay/api", "OK", "id:a-1", ""),
        ("pay/api", "CRIT", "id:a-2", ""),
    ]
    # Ids are the account's own: another account may use the same one.
    assert _outcome(post(api_b, {**first, "service": "pay/other"}).json()) == (1, 0, 0, 0)


@pytest.mark.parametrize("known", [True, False])
def test_a_conflicting_single_event_is_a_409_naming_the_id(api_a, tenants, known):
    post(api_a, item("pay/api", 0, "OK", id="a-1"))
    if known:  # PostgreSQL's one-statement path (every service known) says the same
        ServiceFactory(account=tenants.a, path="pay/other")
    response = post(api_a, item("pay/other", 0, "OK", id="a-1"))
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["error"] == "conflict" and body["message"].startswith("id: conflict: id 'a-1'")
    assert body["fields"].keys() == {"id"} and _outcome(body) == (0, 0, 1, 1)
    assert Service.objects.filter(account=tenants.a, path="pay/other").exists() == known
    assert StatusEvent.objects.filter(account=tenants.a).count() == 1
