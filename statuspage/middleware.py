"""Host dispatch for custom status page domains.

The application's own hosts go on as usual, checked first: a custom domain row naming one
of them (refused on save, but possibly older) never takes the admin, API or login away. A
request whose Host is a page's custom domain is routed to `statuspage.urls_domain` (the
page only). Any other host that passed ALLOWED_HOSTS (through a wildcard) gets a plain 404,
unless ALLOWED_HOSTS is "*" without STATUSPAGE_APP_HOSTS (then every host is the app).
"""

from django.http import HttpResponseNotFound

from statuspage import hosts

DOMAIN_URLCONF = "statuspage.urls_domain"
ALWAYS_ALLOWED_PATHS = frozenset({"/health", "/ready"})


class StatusPageHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = hosts.normalise_host(request.get_host())  # get_host() enforces ALLOWED_HOSTS
        if hosts.is_app_host(host):
            return self.get_response(request)
        slug = hosts.slug_for_host(host)
        if slug:
            request.urlconf = DOMAIN_URLCONF
            request.statuspage_slug = slug
            return self.get_response(request)
        if hosts.app_on_any_host() or request.path_info in ALWAYS_ALLOWED_PATHS:
            return self.get_response(request)
        return HttpResponseNotFound(b"Not Found", content_type="text/plain")
