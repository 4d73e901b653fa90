"""Custom domains: which status page a Host header names, cheaply, on every request.

Lookups go process memory (10 s) -> Django cache (5 min) -> database; saving or deleting a
domain or a page drops the cached answers. A host that is neither a custom domain nor one
of the application's own hosts (STATUSPAGE_APP_HOSTS) gets a plain 404, so a wildcard in
ALLOWED_HOSTS never exposes the admin or API on a customer's name.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache

LOCAL_TTL = 10.0
SHARED_TTL = 300
NOT_A_PAGE = ""

_local: dict[str, tuple[str, float]] = {}
_local_lock = threading.Lock()


def _shared_key(host: str) -> str:
    return f"{settings.STATUSPAGE_CACHE_PREFIX}:host:{host}"


def normalise_host(host: str) -> str:
    """Lower case, without port or trailing dot ("Status.Example.com:443" -> host)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def slug_for_host(host: str) -> str | None:
    """The slug of the enabled page whose custom domain is `host`, or None."""
    now = time.monotonic()
    with _local_lock:
        remembered = _local.get(host)
    if remembered and remembered[1] > now:
        return remembered[0] or None
    slug = cache.get(_shared_key(host))
    if slug is None:
        from statuspage.selectors.pages import page_slug_for_domain

        slug = page_slug_for_domain(domain=host) or NOT_A_PAGE
        cache.set(_shared_key(host), slug, timeout=SHARED_TTL)
    with _local_lock:
        if len(_local) > 10_000:
            _local.clear()
        _local[host] = (slug, now + LOCAL_TTL)
    return slug or None


def forget(hosts) -> None:
    """Drop cached answers for these hosts (call after domain or page changes)."""
    hosts = [normalise_host(host) for host in hosts if host]
    if hosts:
        cache.delete_many([_shared_key(host) for host in hosts])
    with _local_lock:
        for host in hosts:
            _local.pop(host, None)


def forget_all_local() -> None:
    with _local_lock:
        _local.clear()


def is_app_host(host: str) -> bool:
    """The application's own names (admin, API, /status/<slug>/ paths)."""
    app_hosts = settings.STATUSPAGE_APP_HOSTS
    return app_hosts is None or host in app_hosts
