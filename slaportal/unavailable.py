"""The database is unreachable: answer 503 with Retry-After, not 500.

A PostgreSQL restart, failover or network cut makes every request fail until the server
answers again (Django reconnects by itself on the next request). Clients should wait and
retry, not report a bug: API requests get the API's JSON error body
(`{"error": "service_unavailable", ...}`), pages a plain page that needs no database
(no template, no context processors). Two hooks cover every request: the middleware for
errors raised in views (DEBUG or not), the 500 handler (slaportal/views.py) for errors
raised in other middleware (status page host lookup, sessions).

Only losing the server counts: connection failures (client-side, SQLSTATE class 08),
shutdowns and "starting up" (57P01-57P03), "too many connections" (53300). A deadlock or
a statement timeout is an error of the request, as before.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
MESSAGE = "The database is unavailable; try again in a few seconds."
PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>Service unavailable</title></head><body><h1>Service unavailable</h1>"
    "<p>The database cannot be reached right now. Please try again in a few seconds.</p>"
    "</body></html>\n"
)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what it wraps) says the database server cannot be reached."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, InterfaceError):
            return True  # Django's "connection already closed"
        if isinstance(error, OperationalError):
            cause = error.__cause__
            state = getattr(cause, "sqlstate", "") if cause is not None else ""
            if _lost_connection(cause, state):
                return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _lost_connection(cause, state) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite-only installs
        return False
    if not isinstance(cause, psycopg.OperationalError):
        return False
    return state is None or state.startswith("08") or state in UNAVAILABLE_SQLSTATES


def unavailable_response(request):
    """503 with Retry-After: the API's JSON error under /api/, a plain page elsewhere."""
    if request.path.startswith("/api/"):
        from slaportal.api.errors import error_body

        response = JsonResponse(error_body("service_unavailable", MESSAGE), status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that failed because the database is unreachable answers 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.warning("database unavailable (%s %s): %s", request.method, request.path, exception)
        return unavailable_response(request)
