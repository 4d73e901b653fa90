"""Work that may wait until the response has been sent.

`after_response(fn)` inside a request runs `fn` when the request finishes (Django's
`request_finished`, sent when the WSGI server closes the response, after the last byte went
out), so the client does not wait for it; outside a request (tasks, commands) it runs at
once. For bookkeeping whose result nobody in the request needs, such as dispatching the
incident refresh after an ingest: a few Redis round trips that, on a busy machine, made a
small share of ingest requests wait tens of milliseconds.
"""

import logging
import threading

from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)
_request = threading.local()


def after_response(fn) -> None:
    pending = getattr(_request, "pending", None)
    if pending is None:
        fn()
    else:
        pending.append(fn)


def _request_started(**kwargs) -> None:
    _run_pending()  # left by a request whose finish signal never came: run it now
    _request.pending = []


def _request_finished(**kwargs) -> None:
    _run_pending()


def _run_pending() -> None:
    pending = getattr(_request, "pending", None)
    _request.pending = None
    for fn in pending or ():
        try:
            fn()
        except Exception:  # one failed piece of bookkeeping must not stop the others
            logger.exception("deferred work %r failed", fn)


def connect() -> None:
    """Called once from the app's ready()."""
    request_started.connect(_request_started, dispatch_uid="slaportal.deferred.started")
    request_finished.connect(_request_finished, dispatch_uid="slaportal.deferred.finished")
