"""/health, /ready, the OpenAPI schema and Swagger UI."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_health_needs_no_auth(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_checks_database(client):
    response = client.get("/ready")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["database"] == "ok"


def test_ready_names_the_failing_part(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert response.json()["checks"]["redis"] == "error"  # details go to the log only


def test_openapi_schema_lists_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/account" in schema["paths"]


def test_swagger_ui_is_self_hosted(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # Every script and stylesheet comes from this server (the random CSRF/nonce tokens on
    # the page may contain any letters, so look at the addresses, not at the whole page).
    addresses = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert addresses and all(a.startswith("/") and not a.startswith("//") for a in addresses)
    assert "https://" not in html and "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").status_code == 200


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").stat().st_size > 10_000
