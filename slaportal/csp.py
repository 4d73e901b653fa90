"""Content-Security-Policy: one strict policy on every HTML answer, one place to loosen it.

Every HTML page (dashboard, admin, login, API docs, error pages, status pages) loads its
scripts, styles, fonts and images from this server only, runs no inline script and applies
no inline style: a markup injection that slips past escaping can neither run code nor
restyle the page into a phishing form. Templates therefore keep scripts and styles in
static files; values that vary per row (chart colours, bar widths) are SVG attributes,
which CSP does not govern.

- `ContentSecurityPolicyMiddleware` adds `settings.CONTENT_SECURITY_POLICY` to every
  text/html response that does not carry a policy of its own (the status page sends a
  stricter one itself, because its WSGI edge cache answers without Django's middleware).
- `csp_override(policy)` wraps a view whose page truly needs another policy (GraphiQL
  loads inline scripts); `set_policy(response, policy)` does the same on one response.
  `build_policy(...)` derives such a policy from the default, directive by directive.
- `request.csp_nonce` gives a per-response nonce; a page that uses it (e.g.
  `<script nonce="{{ request.csp_nonce }}">`) gets `'nonce-…'` added to script-src and
  style-src of its policy. Prefer static files; the nonce is for third-party templates.

With DEBUG on, Django's own debug error pages (inline styles and scripts) are left without
a policy; production (DEBUG off) has no exception.
"""

import secrets
from collections.abc import Mapping
from functools import wraps

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

HEADER = "Content-Security-Policy"
RESPONSE_ATTRIBUTE = "csp_policy"

# The default, directive by directive. Sources are lists so that build_policy can extend them.
DEFAULT_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

# Pages without any script at all (status pages, subscription forms).
NO_SCRIPT_DIRECTIVES: dict[str, tuple[str, ...]] = {
    "default-src": ("'none'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def serialise(directives: Mapping[str, tuple[str, ...] | list[str] | None]) -> str:
    """`{"script-src": ("'self'",)}` -> `"script-src 'self'"`; a None value drops the directive."""
    parts = []
    for name, sources in directives.items():
        if sources is None:
            continue
        parts.append(" ".join((name, *sources)).strip())
    return "; ".join(parts)


def build_policy(base: Mapping | None = None, **changes) -> str:
    """The default policy with some directives replaced (keyword `script_src` = `script-src`).

    `build_policy(script_src=("'self'", "'unsafe-inline'"))` loosens scripts only;
    `build_policy(frame_ancestors=None)` drops a directive.
    """
    directives = dict(DEFAULT_DIRECTIVES if base is None else base)
    for keyword, sources in changes.items():
        directives[keyword.replace("_", "-")] = None if sources is None else tuple(sources)
    return serialise(directives)


DEFAULT_POLICY = serialise(DEFAULT_DIRECTIVES)
NO_SCRIPT_POLICY = serialise(NO_SCRIPT_DIRECTIVES)


def set_policy(response, policy: str):
    """Give one response its own policy instead of the default (returns the response)."""
    setattr(response, RESPONSE_ATTRIBUTE, policy)
    return response


def csp_override(policy: str):
    """View decorator: the pages of this view carry `policy` instead of the default.

    Works on function views and on `SomeView.as_view()`, sync or async:
    `path("graphql", csp_override(GRAPHIQL_POLICY)(GraphQLView.as_view()))`.
    """

    def decorator(view):
        if iscoroutinefunction(view):

            async def async_wrapped(request, *args, **kwargs):
                return set_policy(await view(request, *args, **kwargs), policy)

            wrapped = wraps(view)(async_wrapped)
            return markcoroutinefunction(wrapped)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return set_policy(view(request, *args, **kwargs), policy)

        return wrapped

    return decorator


def _with_nonce(policy: str, nonce: str) -> str:
    """Add the nonce to script-src and style-src (falling back to default-src's sources)."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    fallback = directives.get("default-src", [])
    for name in ("script-src", "style-src"):
        directives[name] = [*directives.get(name, fallback), f"'nonce-{nonce}'"]
    return serialise(directives)


def _is_html(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


class ContentSecurityPolicyMiddleware:
    """Send the strict policy on every HTML answer that has none of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(16))
        request.csp_nonce = nonce
        response = self.get_response(request)
        if HEADER in response or not _is_html(response):
            return response
        if settings.DEBUG and response.status_code >= 400:
            return response  # Django's debug pages: inline styles and scripts
        policy = getattr(response, RESPONSE_ATTRIBUTE, None) or settings.CONTENT_SECURITY_POLICY
        if nonce._wrapped is not empty:  # the page used the nonce
            policy = _with_nonce(policy, str(nonce))
        response[HEADER] = policy
        return response
