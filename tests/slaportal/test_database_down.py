"""PostgreSQL unreachable: every request answers 503 with Retry-After (JSON under /api/,
a plain page elsewhere), not 500; once it is back, requests succeed again.

The database is really unreachable: the connection's settings point at a port nothing
listens on (the driver's own "connection refused"), no mock.
"""

import pytest
from django.db import connections
from django.test import Client

from tests.conftest import client_for
from tests.factories import StatusPageFactory
from tests.redis_server import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture
def database_down(settings):
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    settings.DEBUG = False
    saved = dict(connection.settings_dict)

    def down():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))

    def up():
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    yield down, up
    up()


def _assert_unavailable(response, content_type: str):
    assert response.status_code == 503, response.content
    assert response["Retry-After"].isdigit() and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(content_type)


def test_api_answers_503_with_retry_after_and_the_json_error(tenants, database_down):
    down, up = database_down
    api = client_for(tenants.token_a)
    down()
    for response in (
        api.get("/api/v1/services"),
        api.post("/api/v1/events", {"service": "web"}, format="json"),
        client_for().get("/api/v1/slos"),  # no token: the lookup is not even tried
    ):
        if response.status_code == 401:
            continue
        _assert_unavailable(response, "application/json")
        body = response.json()
        assert body["error"] == "service_unavailable" and "database" in body["message"]
    up()
    assert api.get("/api/v1/services").status_code == 200


def test_html_pages_answer_a_plain_503_page(tenants, database_down):
    down, up = database_down
    page = StatusPageFactory(account=tenants.a, slug="alpha-status")
    browser = Client(raise_request_exception=False)
    browser.force_login(tenants.owner_a)
    down()
    for path in (f"/status/{page.slug}/", "/dashboard/", "/admin/"):
        response = browser.get(path)
        _assert_unavailable(response, "text/html")
        assert b"try again" in response.content.lower(), path
    up()
    assert browser.get("/dashboard/").status_code == 200
