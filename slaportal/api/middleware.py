"""Unknown API paths answer the JSON 404 of the API, DEBUG or not.

With DEBUG on, Django answers an unmatched URL with its HTML debug page before any
handler404 runs; an API client must still get `{"error": "not_found", ...}`. Done on the
response, so URL patterns added anywhere (in any order) keep working.
"""

from slaportal.api.errors import api_not_found


class ApiJsonNotFoundMiddleware:
    """Turn an HTML 404 under /api/ into the API's JSON 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return api_not_found(request)
        return response
