"""slaportal.cache.RedisCache, against a real Redis: Django's Redis backend with one client
per process (not one per call) and a windowed counter in one round trip."""

import threading
import uuid

import pytest
import redis

from slaportal.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def backend(redis_url):
    return RedisCache(redis_url, {"KEY_PREFIX": f"cache-test-{uuid.uuid4().hex}"})


def test_every_call_shares_one_client_of_the_pool(backend):
    client = backend._cache.get_client("a", write=True)
    assert backend._cache.get_client("b", write=True) is client
    assert backend._cache.get_client("c") is client  # one server: reads use the same pool
    backend.set("shared", {"x": 1}, 30)
    assert backend.get("shared") == {"x": 1}  # the ordinary calls work through it


def test_one_client_serves_several_threads(backend):
    def count(_):
        for _ in range(50):
            backend.incr_in_window("threads", 60)

    threads = [threading.Thread(target=count, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.get("threads") == 200


def test_the_windowed_counter_starts_at_one_with_its_expiry(backend, redis_url):
    raw = redis.Redis.from_url(redis_url)
    key = backend.make_and_validate_key("window")
    assert [backend.incr_in_window("window", 65) for _ in range(3)] == [1, 2, 3]
    assert 0 < raw.ttl(key) <= 65
    assert backend.get("window") == 3 and backend.incr("window") == 4  # Django's own calls
    raw.delete(key)  # as when the window's counter expires
    assert backend.incr_in_window("window", 65) == 1 and 0 < raw.ttl(key) <= 65


def test_an_unreachable_server_raises_as_django_s_backend_does(redis_url):
    from tests.redis_server import free_port

    down = RedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    with pytest.raises(redis.exceptions.ConnectionError):
        down.incr_in_window("nothing", 60)
    with pytest.raises(redis.exceptions.ConnectionError):
        down.get("nothing")
