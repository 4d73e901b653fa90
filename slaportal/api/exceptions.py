"""API exceptions with their own error codes (kept free of rest_framework.views imports)."""

from rest_framework import exceptions, status


class PluginDisabled(exceptions.APIException):
    """The account's SLA features are switched off (account flag or SLA_ENABLED)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "SLA features are disabled for this account."
    default_code = "plugin_disabled"


class InsufficientScope(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "This token lacks the scope this request needs."
    default_code = "insufficient_scope"
