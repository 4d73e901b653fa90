"""Public status page views: no login, cached, ETag/304, optional page password.

`document` serves every sub-path of a page (see statuspage.documents) through the cache;
`password` checks a private page's password and sets a signed cookie.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache as django_cache
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from statuspage import cache, documents, i18n, refresh
from statuspage.render import html
from statuspage.selectors.pages import page_for_slug_memo

logger = logging.getLogger(__name__)

COOKIE_SALT = "statuspage.password"
COOKIE_MAX_AGE = 30 * 24 * 3600
ATTEMPTS_PER_WINDOW = 10
ATTEMPT_WINDOW = 300


def _page_and_base(request, slug: str | None):
    """The page (from the URL slug or the custom domain) and the base path of its links."""
    domain_slug = getattr(request, "statuspage_slug", None)
    if domain_slug:
        page, base, kind = page_for_slug_memo(slug=domain_slug), "", "d"
    else:
        page, base, kind = page_for_slug_memo(slug=slug), f"/status/{slug}", "p"
    if page is None:
        raise Http404("No such status page.")
    return page, base, kind


def cookie_name(page) -> str:
    return f"sp_{page.public_id}"


def _password_fingerprint(page) -> str:
    return hashlib.sha256(page.password_hash.encode()).hexdigest()[:24]


def has_access(request, page) -> bool:
    if not page.is_private:
        return True
    value = request.get_signed_cookie(
        cookie_name(page), default=None, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE
    )
    return value == _password_fingerprint(page)


def _http_response(entry, request, cache_state: str) -> HttpResponse:
    status, headers, body = cache.response_parts(
        entry,
        method=request.method,
        accept_encoding=request.headers.get("Accept-Encoding", ""),
        if_none_match=request.headers.get("If-None-Match", ""),
        cache_state=cache_state,
    )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


def serve(request, page, subpath: str, base: str, kind: str) -> HttpResponse:
    """Answer from the cache; re-render when outdated, one renderer at a time."""
    variant = f"{kind}|{subpath}"
    entry, version, state = cache.lookup(page.slug, variant)
    if entry is not None and state == cache.FRESH and entry.private == page.is_private:
        return _http_response(entry, request, "HIT")
    usable = entry is not None and entry.private == page.is_private
    if usable and not cache.acquire(page.slug, variant):
        return _http_response(entry, request, "STALE")  # another worker is re-rendering
    try:
        new_entry = refresh.render_entry(page, subpath, base, version)
    except documents.NotFound:
        raise Http404("Not found.") from None
    except Exception:
        if not usable:
            raise
        logger.exception(
            "status page %s: render of %r failed; serving the last copy", page.slug, subpath
        )
        return _http_response(entry, request, "STALE-ERROR")
    finally:
        if usable:
            cache.release(page.slug, variant)
    cache.store(page.slug, variant, new_entry)
    if not new_entry.private:
        cache.register_for_refresh(
            page.slug,
            variant,
            now=new_entry.rendered_at,
            window=refresh.REFRESH_WINDOW,
            limit=refresh.REFRESH_MAX_DOCUMENTS,
        )
    return _http_response(new_entry, request, "MISS")


def _password_required(request, page, base: str, subpath: str) -> HttpResponse:
    if subpath == "":
        response = HttpResponse(html.password_form(page, base, request=request), status=401)
    else:
        response = HttpResponse(
            b'{"error":"password_required","message":"This status page is private."}',
            status=401,
            content_type="application/json",
        )
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie"
    return response


CORS_PREFLIGHT_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Encoding, Cache-Control, If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)


def _preflight(page) -> HttpResponse:
    """The CORS preflight of a document: public pages allow any origin to GET them (as the
    documents themselves say); private ones send no CORS header, so browsers refuse."""
    response = HttpResponse(status=204)
    response["Allow"] = "GET, HEAD, OPTIONS"
    if not page.is_private:
        for name, value in CORS_PREFLIGHT_HEADERS:
            response[name] = value
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def document(request, slug: str | None = None, subpath: str = ""):
    page, base, kind = _page_and_base(request, slug)
    subpath = documents.normalise(subpath)
    if documents.find(subpath) is None:
        raise Http404("Not found.")
    if request.method == "OPTIONS":
        return _preflight(page)
    if not has_access(request, page):
        return _password_required(request, page, base, subpath)
    return serve(request, page, subpath, base, kind)


def _throttled(request, page) -> bool:
    client = request.META.get("REMOTE_ADDR", "")
    client_hash = hashlib.sha256(client.encode()).hexdigest()[:16]
    key = f"{settings.STATUSPAGE_CACHE_PREFIX}:pw:{page.pk}:{client_hash}"
    django_cache.add(key, 0, timeout=ATTEMPT_WINDOW)
    try:
        attempts = django_cache.incr(key)
    except ValueError:
        attempts = 1
    return attempts > ATTEMPTS_PER_WINDOW


@csrf_protect
@require_http_methods(["GET", "POST"])
def password(request, slug: str | None = None):
    page, base, _ = _page_and_base(request, slug)
    if not page.is_private or request.method == "GET":
        return HttpResponseRedirect(f"{base}/")
    t = i18n.catalogue(page.language)
    if _throttled(request, page):
        error, status = t["password_throttled"], 429
    elif check_password(request.POST.get("password", ""), page.password_hash):
        response = HttpResponseRedirect(f"{base}/", status=303)
        response.set_signed_cookie(
            cookie_name(page),
            _password_fingerprint(page),
            salt=COOKIE_SALT,
            max_age=COOKIE_MAX_AGE,
            path=f"{base}/",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    else:
        error, status = t["password_wrong"], 401
    response = HttpResponse(html.password_form(page, base, error, request=request), status=status)
    response["Cache-Control"] = "private, no-store"
    return response
