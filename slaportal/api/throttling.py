"""API rate limits per token and scope: `429 throttled` with `Retry-After`.

Each token has its own budget per scope the request needs (`ingest`, `read`, `write`;
settings.API_RATE_LIMITS, requests per API_RATE_LIMIT_WINDOW_SECONDS), so an agent
flooding ingest never slows another token of the same account, and reads of a dashboard
script never eat the agent's ingest budget.

A fixed window counted with one atomic cache increment (Redis when REDIS_URL is set, so
every gunicorn worker shares the count; one round trip there, slaportal.cache): cheap
enough for the ingest path, exact under concurrency. At a window's edge a token can get up
to twice its limit within a short span; that is the price of O(1) per request and is
documented. When the cache is down the request passes (ingest keeps working through a
Redis outage, as promised) and the outage is logged once per process.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from accounts.context import api_token
from accounts.permissions import scope_needed

logger = logging.getLogger(__name__)
KEY_PREFIX = "api-rate"


# Where a request's count is kept in its WSGI environ (request.META): the ingest edge
# (sla.api.edge) counts a push before it hands it on to Django, and DRF's throttle then
# uses that count instead of counting the same request twice.
COUNTED_KEY = "slaportal.rate_counted"


class TokenRateThrottle(BaseThrottle):
    """The request's token within its scope's limit for the current window."""

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        token = api_token(request)
        if token is None:
            return True  # no token: authentication answers (401), nothing to count
        scope = scope_needed(view, request.method)
        allowed, self.wait_seconds = rate_check(token_id=token.pk, scope=scope, meta=request.META)
        return allowed

    def wait(self):
        return self.wait_seconds


def rate_check(*, token_id: int, scope: str, meta: dict) -> tuple[bool, int | None]:
    """Count this request against token `token_id`'s limit for `scope`: (allowed, seconds
    to wait when not). A request already counted (`meta[COUNTED_KEY]`, same token, scope
    and window) is not counted again."""
    limit = settings.API_RATE_LIMITS.get(scope)
    if not limit:
        return True, None  # 0 or None: no limit for this scope
    window = settings.API_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    window_start = int(now // window) * window
    counted = meta.get(COUNTED_KEY)
    if counted is not None and counted[:3] == (scope, token_id, window_start):
        count = counted[3]
    else:
        count = _count(f"{KEY_PREFIX}:{scope}:{token_id}:{window_start}", window)
        meta[COUNTED_KEY] = (scope, token_id, window_start, count)
    if count is None or count <= limit:
        return True, None
    return False, max(1, int(window_start + window - now + 0.999))


_cache_down_logged = False


def _count(key: str, window: int) -> int | None:
    """This request's number in the window (None when the cache cannot count)."""
    global _cache_down_logged
    try:
        count = _increment(key, timeout=window + 5)
    except ValueError:  # expired between add and incr: this is the window's first
        cache.set(key, 1, timeout=window + 5)
        return 1
    except Exception:  # the cache (Redis) is down: never refuse for that
        if not _cache_down_logged:
            _cache_down_logged = True
            logger.warning("API rate limits not enforced: the cache is unreachable")
        return None
    _cache_down_logged = False
    return count


def _increment(key: str, *, timeout: int) -> int:
    """The counter `key` plus one, created to live `timeout` seconds when missing."""
    incr_in_window = getattr(cache, "incr_in_window", None)
    if incr_in_window is not None:  # the project's Redis backend: one round trip
        return incr_in_window(key, timeout)
    cache.add(key, 0, timeout=timeout)  # another backend (locmem): in-process, cheap
    return cache.incr(key)
