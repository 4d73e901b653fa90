"""A WSGI layer that takes the common status push before the Django stack.

Agents push events many times a second. Through Django a single-event push spends about
half its CPU in the generic machinery (request object, sixteen middleware, DRF's request
wrapping, negotiation, renderer), not in authenticating, counting and storing it: under
issue 12's load that was most of a core. This layer answers one kind of request itself:

    POST /api/v1/events (or /events/), JSON, a Bearer token of scope `ingest`, on one of
    the app's own hosts, within the rate limit, every path a service the account has
    already, at least one event accepted.

It uses the same pieces the view does, in the same order of effect: the token lookup and
touch, the rate count (counted once: a push handed on carries its count to DRF's
throttle), `json_body`, the view's item rules, `events_ingest` on its PostgreSQL
statement, DRF's renderer; and it answers with the headers Django's middleware would add
(tests/sla/api/test_ingest_edge.py compares both answers). Django's request signals are
sent around it, so connections are managed and the incident refresh is dispatched after
the answer, as for any request.

Everything else is handed to Django unchanged, before anything is written: no or another
token, another content or Accept type, a body it cannot parse, a batch beyond the limits,
a new service (created by the general path, with the audit context the middleware gives),
a rate limit reached, a push with nothing accepted (Django builds the error answer), a
database error, SQLite. Every such answer therefore stays Django's own.

Installed in slaportal/wsgi.py, in front of the status page edge.
"""

import io
import logging

from django.conf import settings
from django.core import signals
from django.db import DatabaseError
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer

from accounts.features import sla_enabled
from accounts.permissions import token_grants
from accounts.selectors import token_for_secret
from accounts.services import token_touch
from sla.api.common import json_body
from sla.api.ingest import EventViewSet, _items
from sla.services.ingest import events_ingest
from sla.services.ingest_pg import UnknownService
from slaportal.api.throttling import rate_check
from slaportal.db import is_postgres
from statuspage import hosts
from statuspage.edge import allowed_host, hsts_header, is_secure

logger = logging.getLogger(__name__)

PATHS = frozenset({"/api/v1/events", "/api/v1/events/"})
SCOPE = EventViewSet.required_scopes["POST"]
# What DRF answers in `Allow` for the events route (the view's methods, upper case).
ALLOW = "GET, POST, HEAD, OPTIONS"
# Accept values for which DRF's negotiation picks the plain JSON renderer (any other value,
# e.g. with parameters, is DRF's to negotiate).
PLAIN_ACCEPT = frozenset({"", "*/*", "application/json", "application/*"})
_renderer = JSONRenderer()


class IngestEdge:
    """WSGI middleware: a well-formed push of known services without the Django stack."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in PATHS:
            return self.application(environ, start_response)
        credentials = _eligible(environ)
        if credentials is None:
            return self.application(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            answer = push_answer(environ, *credentials)
        except DatabaseError:
            answer = None  # Django answers it (503 when the database is unreachable)
        except OSError:
            answer = None  # the client went away mid-body: Django meets the same stream
        except Exception:  # never worse than Django: it answers, and logs what it finds
            logger.exception("ingest edge failed; handing the request to Django")
            answer = None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return _Answer(body, sender=self.__class__)


class _Answer(list):
    """The body; closing it (the server does, after the last byte) finishes the request as
    Django's response would: `request_finished` (deferred work, connection upkeep)."""

    def __init__(self, body: bytes, *, sender):
        super().__init__([body])
        self.sender = sender

    def close(self):
        signals.request_finished.send(sender=self.sender)


def _eligible(environ) -> tuple[str, int] | None:
    """(token secret, body length) when the headers alone admit the push (no I/O yet),
    else None."""
    if not is_postgres():
        return None  # SQLite: the general path (one writer) is all there is
    if settings.SECURE_SSL_REDIRECT and not is_secure(environ):
        return None  # Django redirects it
    if environ.get("HTTP_TRANSFER_ENCODING") or environ.get("HTTP_EXPECT"):
        return None
    media = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if media != "application/json":
        return None
    if environ.get("HTTP_ACCEPT", "").strip().lower() not in PLAIN_ACCEPT:
        return None
    secret, length = _bearer_secret(environ), _content_length(environ)
    if secret is None or length is None or not _app_host(environ):
        return None
    return secret, length


def _app_host(environ) -> bool:
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        return False  # Django's own host rules apply (X-Forwarded-Host)
    host = allowed_host(environ)
    return host is not None and hosts.is_app_host(host)


def _bearer_secret(environ) -> str | None:
    parts = environ.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].isascii():
        return None
    return parts[1]


def _content_length(environ) -> int | None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= settings.SLA_INGEST_MAX_BODY_BYTES:
        return None
    return length


def push_answer(environ, secret: str, length: int) -> tuple[str, list, bytes] | None:
    """(status, headers, body) of a push this layer takes, or None to hand it to Django
    (with the body put back for it to read)."""
    data = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(data)
    if len(data) != length:
        return None
    token = token_for_secret(secret=secret)
    if token is None or not _permitted(token):
        return None
    token_touch(token=token)
    allowed, _ = rate_check(token_id=token.pk, scope=SCOPE, meta=environ)
    if not allowed:
        return None
    items = _push_items(data)
    if items is None:
        return None
    try:
        result = events_ingest(account=token.account, items=items, known_services_only=True)
    except UnknownService:
        return None  # nothing written: the general path creates the services
    if result.accepted == 0:
        return None  # nothing written: Django builds the error answer
    body = _renderer.render(result.as_dict())
    return "200 OK", _headers(environ, len(body)), body


def _permitted(token) -> bool:
    """What HasAccount checks for the events route."""
    if getattr(EventViewSet, "sla_feature_required", False) and not sla_enabled(token.account):
        return False
    return token_grants(token, SCOPE)


def _push_items(data: bytes) -> list | None:
    """The items as the view takes them, or None where the view would refuse the body."""
    try:
        items, _ = _items(json_body(data, text_checked_per_item=True))
    except exceptions.APIException:
        return None
    if not items or len(items) > settings.SLA_INGEST_MAX_BATCH:
        return None
    return items


def _headers(environ, length: int) -> list[tuple[str, str]]:
    """The headers Django's answer carries: DRF's, then SecurityMiddleware's and the
    clickjacking middleware's, from the same settings."""
    headers = [
        ("Content-Type", "application/json"),
        ("Allow", ALLOW),
        ("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()),
        ("Content-Length", str(length)),
    ]
    hsts = hsts_header(environ)
    if hsts:
        headers.append(("Strict-Transport-Security", hsts))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        value = policy if isinstance(policy, str) else ",".join(policy)
        headers.append(("Referrer-Policy", ",".join(v.strip() for v in value.split(","))))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers
