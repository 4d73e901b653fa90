"""OpenAPI tweaks: Bearer auth, canonical (slash-less) paths, tags, one-line summaries and
the error answers every operation can give.

`ApiAutoSchema` is the default schema class of every API view, so an endpoint added later
is documented the same way without doing anything: its error statuses (400 ... 429) with
the JSON error body, a tag from its path (the table below, else its first path segment)
and a summary. An operation that documents a status itself (e.g. ingest's 400 with its
counts) keeps its own; `extend_schema(tags=..., summary=...)` wins over the derived ones.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_doc
from rest_framework.permissions import AllowAny

from slaportal.api.tags import TAGS
from slaportal.api.throttling import TokenRateThrottle

ERROR_COMPONENT = "Error"
RETRY_AFTER_HEADER = {
    "description": "Seconds until the token's rate limit for this scope resets.",
    "schema": {"type": "integer", "minimum": 1},
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: a code, a message for people and, for validation "
    "errors, the offending fields (`items[3].state`) with their messages.",
    "properties": {
        "error": {
            "type": "string",
            "description": "validation_error, parse_error, not_authenticated, "
            "authentication_failed, insufficient_scope, permission_denied, plugin_disabled, "
            "not_found, method_not_allowed, unsupported_media_type, batch_too_large, "
            "payload_too_large, throttled, server_error, service_unavailable",
        },
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["error", "message"],
    "example": {
        "error": "validation_error",
        "message": "target: must be <= 100, got 120",
        "fields": {"target": ["must be <= 100, got 120"]},
    },
}

_VERBS = {
    ("GET", True): "List",
    ("GET", False): "Retrieve",
    ("POST", False): "Create",
    ("PUT", False): "Replace",
    ("PATCH", False): "Update",
    ("DELETE", False): "Delete",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An account API token: `Authorization: Bearer slap_...`",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with tags, summaries and documented error answers."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    # ----------------------------------------------------------------- tags and summary

    def _route(self) -> str:
        route = self.path
        for prefix in ("/api/v1/", "/api/"):
            if route.startswith(prefix):
                return route[len(prefix) :].strip("/")
        return route.strip("/")

    def get_tags(self) -> list[str]:
        route = self._route()
        for prefix in sorted(TAGS, key=len, reverse=True):
            if route == prefix or route.startswith(prefix + "/"):
                return [TAGS[prefix]]
        return super().get_tags()

    def get_summary(self) -> str | None:
        """The first line of the action's docstring, else "List services" and the like."""
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or self.method.lower(), None)
        doc = get_doc(handler) if handler is not None else ""
        if doc and action not in {"list", "retrieve", "create", "partial_update", "destroy"}:
            return _first_sentence(doc)
        if action is None:  # a plain APIView: its class docstring says what it is
            return _first_sentence(get_doc(self.view.__class__)) or self._route()
        verb = _VERBS.get((self.method, self._is_list_view()), self.method.title())
        resource = self._resource_name()
        if verb == "List" or not resource:
            return f"{verb} {resource or self._route()}".strip()
        return f"{verb} {_article(resource)} {resource}"

    def _resource_name(self) -> str:
        queryset = getattr(self.view, "queryset", None)
        model = queryset.model if queryset is not None else None
        if model is None:
            return ""
        if self._is_list_view():
            return str(model._meta.verbose_name_plural)
        return str(model._meta.verbose_name)

    # ----------------------------------------------------------------- errors

    def _error_statuses(self, operation: dict) -> dict[str, str]:
        """The error statuses this operation can answer, with what each means here."""
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        has_query = any(item.get("in") == "query" for item in parameters)
        has_path = any(item.get("in") == "path" for item in parameters)
        statuses = {}
        if has_body or has_query:
            statuses["400"] = "`validation_error` naming the field, or `parse_error`."
        if self._authenticated():
            statuses["401"] = "`not_authenticated` (no token) or `authentication_failed`."
            reasons = ["`insufficient_scope` (the token lacks the scope)"]
            if getattr(self.view, "sla_feature_required", False):
                reasons.append("`plugin_disabled` (the account's SLA features are off)")
            reasons.append("`permission_denied`")
            statuses["403"] = ", ".join(reasons) + "."
        if has_path or has_query:
            statuses["404"] = "`not_found`: no such object in the token's account (or page)."
        if self.method == "DELETE":
            statuses["409"] = "`conflict`: the object is still in use (the message names by what)."
        if has_body:
            statuses["413"] = "`payload_too_large` or `batch_too_large`."
            statuses["415"] = "`unsupported_media_type`: send the documented content type."
        if self._throttled():
            statuses["429"] = (
                "`throttled`: the token's rate limit for this scope (read, write or ingest) "
                "is used up; retry after `Retry-After` seconds."
            )
        statuses["503"] = (
            "`service_unavailable`: the database cannot be reached; retry after `Retry-After`."
        )
        return statuses

    def _authenticated(self) -> bool:
        if not self.view.get_authenticators():
            return False
        permissions = self.view.get_permissions()
        return not all(isinstance(permission, AllowAny) for permission in permissions)

    def _throttled(self) -> bool:
        try:
            throttles = self.view.get_throttles()
        except Exception:  # a throttle that cannot be built without a request: assume one
            return True
        # The per-token limit never applies where no token is asked for.
        counted = [t for t in throttles if not isinstance(t, TokenRateThrottle)]
        return bool(counted) or (bool(throttles) and self._authenticated())

    def _add_error_responses(self, operation: dict) -> None:
        component = ResolvedComponent(
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_COMPONENT,
            schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        responses = operation.setdefault("responses", {})
        for status, description in self._error_statuses(operation).items():
            if status in responses:
                continue
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": component.ref}},
            }
            if status == "429":
                responses[status]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}


def _first_sentence(doc: str) -> str:
    line = doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""
    head, dot, _ = line.partition(". ")
    return (head if dot else line).rstrip(".:")


def _article(noun: str) -> str:
    if noun[:3].isupper():  # an acronym is read letter by letter: "an SLO", "a URL"
        return "an" if noun[0] in "AEFHILMNORSX" else "a"
    return "an" if noun[:1].lower() in "aeiou" else "a"


def strip_trailing_slashes(result, generator, request, public):
    """Routes accept an optional slash; document the form without it."""
    result["paths"] = {
        (path.rstrip("/") or "/"): operations for path, operations in result["paths"].items()
    }
    return result
