"""API permissions: token scopes and the SLA feature gate.

Safe methods need the `read` scope (which `write` implies); other methods need `write`
unless the view names another scope (ingest endpoints need `ingest`).
"""

from rest_framework import permissions

from accounts.context import api_account, api_token
from accounts.features import sla_enabled
from accounts.selectors import token_is_admin
from slaportal.api.exceptions import InsufficientScope, PluginDisabled


def scope_needed(view, method: str) -> str:
    by_method = getattr(view, "required_scopes", None) or {}
    if method in by_method:
        return by_method[method]
    return "read" if method in permissions.SAFE_METHODS else "write"


def token_grants(token, scope: str) -> bool:
    if scope == "read":
        return token.has_scope("read") or token.has_scope("write")
    return token.has_scope(scope)


class HasAccount(permissions.BasePermission):
    """A valid token with the scope this method needs; SLA views also need the feature."""

    def has_permission(self, request, view):
        token = api_token(request)
        if token is None:
            return False  # DRF answers 401 because an authenticator is configured
        if getattr(view, "sla_feature_required", False) and not sla_enabled(api_account(request)):
            raise PluginDisabled()
        scope = scope_needed(view, request.method)
        if not token_grants(token, scope):
            raise InsufficientScope(f"This request needs a token with the '{scope}' scope.")
        return True


class IsAccountAdminToken(HasAccount):
    """Token management: write scope and issued by an owner/admin (or an operator command)."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        token = api_token(request)
        if not token_grants(token, "write") or not token_is_admin(token=token):
            raise InsufficientScope(
                "Managing tokens needs a 'write' token issued by an account owner or admin."
            )
        return True
