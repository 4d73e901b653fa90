"""GET /api/v1/account and token management over the API."""

import pytest

from accounts.models import ApiToken
from accounts.services import token_create
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_account_endpoint_returns_the_tokens_account(tenants):
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    assert body["slug"] == "alpha"
    assert body["features"] == {"sla": True, "auto_create_services": True}
    assert body["sla_enabled"] is True
    assert client_for(tenants.token_b).get("/api/v1/account/").json()["slug"] == "beta"


def test_token_created_over_api_shows_secret_once_and_works(tenants):
    client = client_for(tenants.token_a)
    response = client.post("/api/v1/tokens", {"name": "agent", "scopes": ["ingest"]}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith(f"slap_{created['prefix']}_")
    stored = ApiToken.objects.get(pk=created["id"])
    assert created["secret"] not in (stored.hashed_secret, stored.prefix)
    detail = client.get(f"/api/v1/tokens/{created['id']}").json()
    assert "secret" not in detail and detail["scopes"] == ["ingest"]
    listed = client.get("/api/v1/tokens").json()["results"]
    assert all("secret" not in row for row in listed)


def test_ingest_only_token_cannot_read(tenants):
    token, secret = token_create(account=tenants.a, name="agent", scopes=["ingest"])
    token.secret = secret
    response = client_for(token).get("/api/v1/account")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_read_token_cannot_manage_tokens(tenants):
    token, secret = token_create(account=tenants.a, name="reader", scopes=["read"])
    token.secret = secret
    response = client_for(token).post("/api/v1/tokens", {"name": "x", "scopes": ["read"]})
    assert response.status_code == 403


def test_token_issued_by_viewer_cannot_manage_tokens(tenants):
    token, secret = token_create(
        account=tenants.a, name="viewer's", scopes=["read", "write"], created_by=tenants.member_a
    )
    token.secret = secret
    response = client_for(token).get("/api/v1/tokens")
    assert response.status_code == 403
    assert "owner or admin" in response.json()["message"]


def test_token_issued_by_owner_can_manage_tokens(tenants):
    token, secret = token_create(
        account=tenants.a, name="owner's", scopes=["write"], created_by=tenants.owner_a
    )
    token.secret = secret
    assert client_for(token).get("/api/v1/tokens").status_code == 200


def test_revoked_token_is_rejected_and_row_kept(tenants):
    client = client_for(tenants.token_a)
    victim, secret = token_create(account=tenants.a, name="old", scopes=["read"])
    victim.secret = secret
    assert client_for(victim).get("/api/v1/account").status_code == 200
    assert client.delete(f"/api/v1/tokens/{victim.pk}").status_code == 204
    victim.refresh_from_db()
    assert victim.revoked_at is not None
    response = client_for(victim).get("/api/v1/account")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"


def test_last_used_at_is_recorded(tenants):
    assert tenants.token_a.last_used_at is None
    client_for(tenants.token_a).get("/api/v1/account")
    tenants.token_a.refresh_from_db()
    assert tenants.token_a.last_used_at is not None


def test_token_create_validation_names_the_field(tenants):
    response = client_for(tenants.token_a).post(
        "/api/v1/tokens", {"name": "x", "scopes": ["root"]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["message"].startswith("scopes") and "root" in body["message"]
    response = client_for(tenants.token_a).post("/api/v1/tokens", {}, format="json")
    assert set(response.json()["fields"]) == {"name", "scopes"}


def test_bad_json_is_a_parse_error(tenants):
    response = client_for(tenants.token_a).post(
        "/api/v1/tokens", data="{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
