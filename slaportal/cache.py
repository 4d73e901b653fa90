"""The Redis cache backend of settings.CACHES: Django's, with one client per process and a
windowed counter in one round trip (the API rate limits).

Why (issue 12, CPU per ingest request). Django's RedisCacheClient builds a new `redis.Redis`
for every cache call, and redis-py fills a table of about 170 response callbacks in each
one's constructor; the API's rate limit (an `add` and an `incr`, which is EXISTS + INCR)
built two per request and made three round trips: together more CPU than the ingest
statement itself. A `redis.Redis` is safe to share between threads (each command borrows
a connection from the pool, which also notices a fork), so one per pool serves the process.
Everything else behaves as Django's backend: same keys, same serializer, same errors.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client, building each pool's `redis.Redis` once instead of per call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        # Pools live as long as this object (Django keeps them in _pools), so id() is stable.
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# INCR, and the expiry on the increment that created the counter, atomically (a script
# runs alone): one command and one answer, as cheap as a bare INCR; a MULTI with SET NX EX
# and INCR costs twice the client CPU for the same result.
_INCR_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisCache(DjangoRedisCache):
    """settings.CACHES backend when REDIS_URL is set."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._scripts = {}

    def incr_in_window(self, key: str, timeout: int) -> int:
        """Add 1 to the counter `key` (created to live `timeout` seconds when missing) and
        return its new value, in one round trip; the counter never exists without its
        expiry. Read back with get() like any counter of incr()."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        script = self._scripts.get(id(client))
        if script is None:  # sent by its SHA1, loaded again if the server lost it
            script = self._scripts[id(client)] = client.register_script(_INCR_IN_WINDOW)
        return script(keys=[key], args=[timeout])
