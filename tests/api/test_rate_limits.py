"""API rate limits per token and scope, counted in a real Redis: 429 `throttled` with
`Retry-After` and the JSON error body; another token (and another scope of the same
token) is not affected; a Redis outage refuses nothing; the schema documents the 429.
Counted with the project's backend (slaportal.cache: one round trip a request) and with
Django's own Redis backend (add + incr), which must count the same."""

import datetime as dt
import time
import uuid

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import client_for
from tests.redis_server import free_port

pytestmark = pytest.mark.redis


PROJECT_BACKEND = "slaportal.cache.RedisCache"
DJANGO_BACKEND = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture(params=[PROJECT_BACKEND, DJANGO_BACKEND], ids=["project-backend", "django-backend"])
def redis_cache(request, settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": request.param,
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


def test_the_count_is_one_key_per_token_scope_and_window_that_expires(redis_cache, tenants):
    import redis
    from django.core.cache import cache

    window = redis_cache.API_RATE_LIMIT_WINDOW_SECONDS
    start = int(time.time() // window) * window
    agent = client_for(tenants.token_a)
    with time_machine.travel(start + window / 2, tick=False):  # both in one window
        assert agent.post("/api/v1/events", _event(1), format="json").status_code == 200
        assert agent.post("/api/v1/events", _event(2), format="json").status_code == 200
    key = f"api-rate:ingest:{tenants.token_a.pk}:{start}"
    assert cache.get(key) == 2  # read back as Django's incr() would leave it
    client = redis.Redis.from_url(redis_cache.CACHES["default"]["LOCATION"])
    ttl = client.ttl(cache.make_and_validate_key(key))
    assert 0 < ttl <= window + 5  # never a counter without its expiry


def test_zero_means_no_limit(redis_cache, tenants):
    redis_cache.API_RATE_LIMITS = {"read": 0}
    client = client_for(tenants.token_a)
    assert {client.get("/api/v1/services").status_code for _ in range(6)} == {200}


@pytest.mark.parametrize("backend", [PROJECT_BACKEND, DJANGO_BACKEND])
def test_a_redis_outage_refuses_nothing(settings, tenants, backend):
    settings.CACHES = {
        "default": {
            "BACKEND": backend,
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
