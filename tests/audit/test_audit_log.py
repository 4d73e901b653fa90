"""The audit log: every change of an audited object is recorded with who (user or API
token), when and the values before and after, in the object's own history table (with its
account) and as an AuditEntry; readable over the API (tenant-scoped, filterable,
paginated), shown in the admin (tenant-scoped, read-only), and an SLA definition can be
read as it was in force at any instant."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from audit.models import AuditEntry
from sla.models import SLADefinition
from tests.conftest import client_for
from tests.factories import (
    AccountFactory,
    ApiTokenFactory,
    DowntimeFactory,
    MembershipFactory,
    UserFactory,
)
from tests.sla.api.test_definitions_api import _sla_body

pytestmark = pytest.mark.django_db
T1 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


def _entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("at", "pk"))


def test_an_api_token_creating_and_changing_an_sla_is_recorded(api_a, tenants):
    with time_machine.travel(T1, tick=False):
        created = api_a.post("/api/v1/slas", _sla_body(), format="json").json()
    with time_machine.travel(T2, tick=False):
        response = api_a.patch(
            f"/api/v1/slas/{created['id']}", {"title": "Platinum"}, format="json"
        )
        assert response.status_code == 200, response.content

    sla_entries = _entries(model="sla.sladefinition", object_id=created["id"])
    assert [e.action for e in sla_entries] == ["created", "changed"]
    change = sla_entries[1]
    assert change.at == T2 and change.account == tenants.a
    assert change.token == tenants.token_a and change.user is None
    assert change.actor == f"token {tenants.token_a.name} ({tenants.token_a.prefix})"
    assert change.before["title"] == "Gold" and change.after["title"] == "Platinum"
    assert "title" in change.changed and "revision" in change.changed
    assert sla_entries[0].before == {} and sla_entries[0].after["timezone"] == "Europe/Berlin"
    # The requirements (created one by one) are in the log too.
    assert len(_entries(model="sla.requirement", action="created")) == 2
    # The version row in the model's own history table carries the account.
    version = SLADefinition.history.get(history_id=change.version)
    assert version.title == "Platinum" and version.account_id == tenants.a.pk


def test_a_user_deleting_in_the_admin_is_recorded(tenants):
    downtime = DowntimeFactory(account=tenants.a, reason="kernel update")
    staff = tenants.owner_a
    staff.is_staff = True
    staff.save()
    browser = Client()
    browser.force_login(staff)
    response = browser.post(
        "/admin/sla/downtime/",
        {"action": "delete_selected", "_selected_action": [downtime.pk], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = _entries(model="sla.downtime", action="deleted")
    assert len(deleted) == 1
    assert deleted[0].user == staff and deleted[0].actor == "user owner_a"
    assert deleted[0].before["reason"] == "kernel update" and deleted[0].after == {}


def test_token_secrets_never_reach_the_log(api_a, tenants):
    response = api_a.post("/api/v1/tokens", {"name": "ci", "scopes": ["read"]}, format="json")
    assert response.status_code == 201, response.content
    entry = _entries(model="accounts.apitoken", object_id=response.json()["id"])[0]
    assert entry.after["hashed_secret"].startswith("[secret sha256:")
    token = tenants.token_a.__class__.objects.get(pk=response.json()["id"])
    assert token.hashed_secret not in str(entry.after)
    assert response.json()["secret"] not in str(entry.after)


def test_the_api_lists_only_the_tokens_account_filtered_and_paginated(api_a, api_b, tenants):
    with time_machine.travel(T1, tick=False):
        first = api_a.post("/api/v1/slas", _sla_body(title="A1"), format="json").json()
    with time_machine.travel(T2, tick=False):
        api_a.patch(f"/api/v1/slas/{first['id']}", {"title": "A2"}, format="json")
        api_b.post("/api/v1/slas", _sla_body(title="B secret"), format="json")

    body = api_a.get("/api/v1/audit-log").json()
    assert body["count"] >= 4 and all("B secret" not in str(row) for row in body["results"])
    assert body["results"][0]["at"] >= body["results"][-1]["at"]  # newest first

    only_sla = api_a.get(
        "/api/v1/audit-log", {"model": "sla.sladefinition", "object_id": first["id"]}
    ).json()
    assert [row["action"] for row in only_sla["results"]] == ["changed", "created"]
    assert only_sla["results"][0]["before"]["title"] == "A1"
    assert only_sla["results"][0]["after"]["title"] == "A2"
    assert only_sla["results"][0]["actor"].startswith("token ")

    since = api_a.get(
        "/api/v1/audit-log", {"model": "sla.sladefinition", "since": T2.isoformat()}
    ).json()
    assert [row["action"] for row in since["results"]] == ["changed"]
    until = api_a.get(
        "/api/v1/audit-log", {"model": "sla.sladefinition", "until": T2.isoformat()}
    ).json()
    assert [row["action"] for row in until["results"]] == ["created"]

    page = api_a.get("/api/v1/audit-log", {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["next"]

    # Account B sees its own entry and nothing of A's, even asking for A's object.
    other = api_b.get("/api/v1/audit-log").json()
    assert other["count"] >= 1
    assert all(row["object_repr"] not in {"A1", "A2"} for row in other["results"])
    foreign = api_b.get("/api/v1/audit-log", {"object_id": first["id"]}).json()
    assert foreign["results"] == [] or all(
        r["model"] != "sla.sladefinition" for r in foreign["results"]
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "auth.user"}, "model"),
        ({"object_id": "x"}, "object_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": T2.isoformat(), "until": T1.isoformat()}, "until"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(api_a, params, field):
    response = api_a.get("/api/v1/audit-log", params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_the_audit_log_needs_a_read_token(tenants):
    assert client_for(None).get("/api/v1/audit-log").status_code == 401
    ingest_only = ApiTokenFactory(account=tenants.a, scopes=["ingest"])
    assert client_for(ingest_only).get("/api/v1/audit-log").status_code == 403


def test_an_sla_definition_as_it_was_in_force(api_a, api_b, tenants):
    with time_machine.travel(T1, tick=False):
        created = api_a.post("/api/v1/slas", _sla_body(), format="json").json()
    with time_machine.travel(T2, tick=False):
        api_a.patch(
            f"/api/v1/slas/{created['id']}",
            {"title": "Gold v2", "requirements": [_sla_body()["requirements"][0]]},
            format="json",
        )
    url = f"/api/v1/slas/{created['id']}/as-of"
    between = api_a.get(url, {"at": (T1 + dt.timedelta(days=1)).isoformat()}).json()
    assert between["sla"]["fields"]["title"] == "Gold"
    assert sorted(r["fields"]["kind"] for r in between["requirements"]) == ["outages", "percentage"]
    after = api_a.get(url, {"at": (T2 + dt.timedelta(seconds=1)).isoformat()}).json()
    assert after["sla"]["fields"]["title"] == "Gold v2"
    assert [r["fields"]["kind"] for r in after["requirements"]] == ["percentage"]
    assert after["sla"]["version"] > between["sla"]["version"]

    assert api_a.get(url, {"at": (T1 - dt.timedelta(days=1)).isoformat()}).status_code == 404
    assert api_b.get(url, {"at": T2.isoformat()}).status_code == 404  # another account's
    assert api_a.get(url).status_code == 400


def test_the_admin_shows_each_staff_user_their_accounts_entries_read_only(tenants):
    other = AccountFactory(slug="gamma")
    DowntimeFactory(account=tenants.a, reason="alpha work")
    DowntimeFactory(account=other, reason="gamma work")
    staff = UserFactory(username="alpha-ops", is_staff=True)
    MembershipFactory(account=tenants.a, user=staff, role="admin")
    browser = Client()
    browser.force_login(staff)
    listing = browser.get("/admin/audit/auditentry/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "alpha work" in html and "gamma work" not in html
    foreign = AuditEntry.objects.get(account=other, model="sla.downtime")
    assert browser.get(f"/admin/audit/auditentry/{foreign.pk}/change/").status_code in (302, 404)
    own = AuditEntry.objects.get(account=tenants.a, model="sla.downtime")
    detail = browser.get(f"/admin/audit/auditentry/{own.pk}/change/")
    assert detail.status_code == 200 and "alpha work" in detail.content.decode()
    assert browser.get("/admin/audit/auditentry/add/").status_code == 403
