"""Custom domains: which status page a Host header names, cheaply, on every request.

Lookups go process memory (10 s) -> Django cache (5 min) -> database; saving or deleting a
domain or a page drops the cached answers. A host that is neither a custom domain nor one
of the application's own hosts (STATUSPAGE_APP_HOSTS) gets a plain 404, so a wildcard in
ALLOWED_HOSTS never exposes the admin or API on a customer's name.

The application's own names always win: they are checked before any custom domain lookup
and can never be registered as one, so no tenant can take over the admin, API or login.
"""

import ipaddress
import re
import threading
import time
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache

DOMAIN_RE = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
LABEL_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
DOMAIN_FORMAT_MESSAGE = (
    "Give a host name such as status.example.com (lower case, no scheme, port or path)."
)
LOCAL_TTL = 10.0
SHARED_TTL = 300
NOT_A_PAGE = ""

_local: dict[str, tuple[str, float]] = {}
_app_names: tuple[tuple, frozenset[str]] | None = None
_local_lock = threading.Lock()


def _shared_key(host: str) -> str:
    return f"{settings.STATUSPAGE_CACHE_PREFIX}:host:{host}"


def normalise_host(host: str) -> str:
    """Lower case, without port or trailing dot ("Status.Example.com:443" -> host)."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def domain_name(value: str) -> str:
    """A custom domain as stored: trimmed, lower case, without a trailing dot."""
    return (value or "").strip().lower().rstrip(".")


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


def app_host_names() -> frozenset[str]:
    """The application's own host names: never a custom domain, whatever rows exist.

    STATUSPAGE_APP_HOSTS (by default the exact names in ALLOWED_HOSTS), always the host of
    SLA_PUBLIC_BASE_URL, and with an ALLOWED_HOSTS wildcard ("*", STATUSPAGE_APP_HOSTS
    unset) the exact names listed next to it.
    """
    global _app_names
    key = (
        settings.STATUSPAGE_APP_HOSTS,
        tuple(settings.ALLOWED_HOSTS),
        settings.SLA_PUBLIC_BASE_URL,
    )
    remembered = _app_names
    if remembered is not None and remembered[0] == key:  # every request asks: keep it cheap
        return remembered[1]
    app_hosts, allowed_hosts, base_url = key
    names = set(app_hosts or ())
    if app_hosts is None:
        names.update(h for h in allowed_hosts if h != "*" and not h.startswith("."))
    names.add(urlparse(base_url).hostname or "")
    result = frozenset(normalise_host(name) for name in names if name)
    _app_names = (key, result)
    return result


def is_app_host(host: str) -> bool:
    """One of the application's own names (admin, API, /status/<slug>/ paths)."""
    return host in app_host_names()


def app_on_any_host() -> bool:
    """ALLOWED_HOSTS is "*" and STATUSPAGE_APP_HOSTS unset: every other host is the app too."""
    return settings.STATUSPAGE_APP_HOSTS is None


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def custom_domain_problem(name: str, *, check_format: bool = True) -> str | None:
    """Why `name` (see domain_name) cannot be a page's custom domain, or None when it can.

    `check_format=False` leaves the host name syntax to the model field's validator.
    """
    if not name:
        return "Give a host name such as status.example.com."
    if name == "localhost" or name.endswith(".localhost"):
        return "localhost names cannot be custom domains."
    if _is_ip_literal(name):
        return "Give a host name, not an IP address."
    if "." not in name and LABEL_RE.fullmatch(name):
        return "A custom domain needs a dot (status.example.com)."
    if check_format and not DOMAIN_RE.fullmatch(name):
        return DOMAIN_FORMAT_MESSAGE
    if is_app_host(name):
        return (
            "This is one of the application's own host names (STATUSPAGE_APP_HOSTS, "
            "ALLOWED_HOSTS or SLA_PUBLIC_BASE_URL); it cannot be a status page domain."
        )
    return None
