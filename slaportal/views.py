"""Error handlers: JSON under /api/, HTML elsewhere."""

import sys

from django.views import defaults

from slaportal.api.errors import api_not_found, api_server_error
from slaportal.unavailable import database_unavailable, unavailable_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # Called while the exception is handled: a lost database (raised in a middleware,
    # before any view) is a 503 to retry, not a 500.
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    if _is_api(request):
        return api_server_error(request)
    return defaults.server_error(request)
