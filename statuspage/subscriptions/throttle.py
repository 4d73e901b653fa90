"""Fixed-window counters in the cache (Redis in production) for subscription rate limits.

Keys hold hashes, never an address or a client's IP in clear.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

CLIENT_WINDOW_SECONDS = 3600
ADDRESS_WINDOW_SECONDS = 24 * 3600


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:24]
    return f"{settings.STATUSPAGE_CACHE_PREFIX}:sub:{kind}:{digest}"


def over_limit(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Count one more hit of `value`; True once it exceeds `limit` in the window."""
    key = _key(kind, value)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def client_over_limit(client: str) -> bool:
    """Subscription requests of one client (IP address), all pages together, per hour."""
    return over_limit(
        "client",
        client,
        limit=settings.STATUSPAGE_SUBSCRIBE_CLIENT_LIMIT,
        window=CLIENT_WINDOW_SECONDS,
    )


def address_over_limit(page_id: int, address: str) -> bool:
    """Confirmation mails to one address for one page, per day."""
    return over_limit(
        "address",
        f"{page_id}:{address}",
        limit=settings.STATUSPAGE_SUBSCRIBE_ADDRESS_LIMIT,
        window=ADDRESS_WINDOW_SECONDS,
    )
