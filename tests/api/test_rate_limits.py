"""API rate limits per token and scope, counted in a real Redis: 429 `throttled` with
`Retry-After` and the JSON error body; another token (and another scope of the same
token) is not affected; a Redis outage refuses nothing; the schema documents the 429."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.conftest import client_for
from tests.redis_server import free_port

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"rate-test-{uuid.uuid4().hex}",  # counts of earlier runs never leak in
        }
    }
    settings.API_RATE_LIMITS = {"read": 3, "write": 2, "ingest": 4}
    return settings


def _event(n: int) -> list[dict]:
    at = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    return [{"service": "web", "at": at, "state": "OK", "id": f"rate-{n}"}]


def test_a_token_over_its_read_limit_gets_429_and_the_other_token_does_not(redis_cache, tenants):
    limited, other = client_for(tenants.token_a), client_for(tenants.token_b)
    assert [limited.get("/api/v1/services").status_code for _ in range(3)] == [200] * 3

    refused = limited.get("/api/v1/services")
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled"
    assert "Expected available in" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60

    # Another token, even of another account, has its own budget.
    assert other.get("/api/v1/services").status_code == 200
    # The same token's other scopes too: ingest goes on while reads are refused.
    response = limited.post("/api/v1/events", _event(1), format="json")
    assert response.status_code == 200, response.content


def test_ingest_has_its_own_budget(redis_cache, tenants):
    agent = client_for(tenants.token_a)
    codes = [agent.post("/api/v1/events", _event(n), format="json").status_code for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert agent.get("/api/v1/services").status_code == 200


def test_zero_means_no_limit(redis_cache, tenants):
    redis_cache.API_RATE_LIMITS = {"read": 0}
    client = client_for(tenants.token_a)
    assert {client.get("/api/v1/services").status_code for _ in range(6)} == {200}


def test_a_redis_outage_refuses_nothing(settings, tenants):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    settings.API_RATE_LIMITS = {"read": 1}
    client = client_for(tenants.token_a)
    assert [client.get("/api/v1/services").status_code for _ in range(3)] == [200] * 3


def test_the_schema_documents_429_with_retry_after(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, method in [("/api/v1/events", "post"), ("/api/v1/services", "get")]:
        answer = schema["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in answer["headers"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    # Every operation (all take a token) says so.
    operations = [
        operation
        for operations in schema["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert operations and all("429" in operation["responses"] for operation in operations)
