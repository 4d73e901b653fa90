"""OpenAPI tweaks: document Bearer auth and the canonical (slash-less) paths."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An account API token: `Authorization: Bearer slap_...`",
        }


def strip_trailing_slashes(result, generator, request, public):
    """Routes accept an optional slash; document the form without it."""
    result["paths"] = {
        (path.rstrip("/") or "/"): operations for path, operations in result["paths"].items()
    }
    return result
