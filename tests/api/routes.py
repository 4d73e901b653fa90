"""Enumerate every API route (for the generic isolation and bad-input tests).

New routes are picked up automatically: anything mounted under /api/v1/ is walked.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"
IGNORED_METHODS = {"options", "head", "trace"}


@dataclass(frozen=True)
class ApiRoute:
    name: str
    template: str  # the pattern text, for messages
    view_class: type
    methods: tuple[str, ...]
    kwargs: tuple[str, ...]

    @property
    def model(self):
        queryset = getattr(self.view_class, "queryset", None)
        if queryset is not None:
            return queryset.model
        return getattr(self.view_class, "tenant_model", None)

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix=""):
    for pattern in patterns:
        text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            yield pattern, text


def _methods(pattern: URLPattern, view_class) -> tuple[str, ...]:
    actions = getattr(pattern.callback, "actions", None)
    if actions:
        names = [name for name in actions if name in view_class.http_method_names]
    else:
        names = [name for name in view_class.http_method_names if hasattr(view_class, name)]
    return tuple(sorted(name for name in names if name not in IGNORED_METHODS))


def api_routes() -> list[ApiRoute]:
    routes = []
    for pattern, text in _walk(get_resolver().url_patterns):
        if not text.startswith(API_PREFIX):
            continue
        view_class = getattr(pattern.callback, "cls", None) or getattr(
            pattern.callback, "view_class", None
        )
        routes.append(
            ApiRoute(
                name=pattern.name or text,
                template=text,
                view_class=view_class,
                methods=_methods(pattern, view_class),
                kwargs=tuple(pattern.pattern.regex.groupindex),
            )
        )
    return routes


def detail_routes() -> list[ApiRoute]:
    return [route for route in api_routes() if route.kwargs]


def list_routes() -> list[ApiRoute]:
    return [route for route in api_routes() if not route.kwargs]
