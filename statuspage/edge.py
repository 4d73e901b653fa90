"""A WSGI layer that answers cached status page requests before Django is involved.

During an outage everyone reloads the status page at once. A cache hit through the full
Django stack (request object, middleware chain, URL resolution) costs more than the hit
itself; this wrapper answers hits straight from the same cache entries the views store
(statuspage.cache), with the same headers, ETag/304 handling and gzip, and passes every
other request (misses, stale entries nobody is re-rendering, private pages, anything that
is not a public status page document) to Django unchanged.

Installed in slaportal/wsgi.py; `slaportal.wsgi.django_application` is the bare app.
"""

import logging
from http import HTTPStatus

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from statuspage import cache, documents, hosts

logger = logging.getLogger(__name__)
PREFIX = "/status/"


def allowed_host(environ) -> str | None:
    """The request's host, normalised, when ALLOWED_HOSTS admits it (else None: Django
    answers it, 400 for a disallowed host)."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None  # let Django answer (400 for a disallowed host)
    return hosts.normalise_host(domain)


def document_for(environ) -> tuple[str, str] | None:
    """(slug, variant) when the request names a status page document, else None."""
    path = environ.get("PATH_INFO", "")
    host = allowed_host(environ)
    if host is None:
        return None
    # The app's own names first, exactly like StatusPageHostMiddleware: a custom domain
    # row can never turn an app host into a page's domain.
    app_host = hosts.is_app_host(host)
    slug = None if app_host else hosts.slug_for_host(host)
    if slug:
        kind, rest = "d", path
    elif path.startswith(PREFIX) and (app_host or hosts.app_on_any_host()):
        slug, slash, rest = path[len(PREFIX) :].partition("/")
        if not slug or not slash:
            return None
        kind = "p"
    else:
        return None
    subpath = documents.normalise(rest)
    if documents.find(subpath) is None:
        return None
    return slug, f"{kind}|{subpath}"


def cached_answer(environ) -> tuple[int, list[tuple[str, str]], bytes] | None:
    named = document_for(environ)
    if named is None:
        return None
    slug, variant = named
    entry, _, state = cache.lookup(slug, variant)
    if entry is None or entry.private:
        return None
    if state == cache.FRESH:
        cache_state = "HIT"
    elif state == cache.STALE and cache.render_in_progress(slug, variant):
        cache_state = "STALE"
    else:
        return None
    status, headers, body = cache.response_parts(
        entry,
        method=environ["REQUEST_METHOD"],
        accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
        if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
        cache_state=f"EDGE-{cache_state}",
    )
    hsts = hsts_header(environ)
    if hsts:
        headers.append(("Strict-Transport-Security", hsts))
    return status, headers, body


def hsts_header(environ) -> str | None:
    """Strict-Transport-Security as Django's SecurityMiddleware sends it: on HTTPS requests
    (SECURE_PROXY_SSL_HEADER honoured as in `request.is_secure()`) when SECURE_HSTS_SECONDS
    is set. The other security headers are stored with the entry (documents.py); this one
    depends on the request, so the edge adds it to each answer."""
    seconds = settings.SECURE_HSTS_SECONDS
    if not seconds or not is_secure(environ):
        return None
    value = f"max-age={seconds}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


def is_secure(environ) -> bool:
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if proxy_header:
        name, secure_value = proxy_header
        forwarded = environ.get(name)
        if forwarded is not None:
            return forwarded.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


class StatusPageEdge:
    """WSGI middleware: cached public status page documents without the Django stack."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        try:
            answer = cached_answer(environ)
        except Exception:  # the cache being down must never take the page down
            logger.exception("status page edge cache lookup failed")
            answer = None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]
