"""The SLA feature gate ("plugin gate")."""

from django.conf import settings


def sla_enabled(account) -> bool:
    """SLA features are on only when the account's flag is set and SLA_ENABLED is not false."""
    return bool(settings.SLA_ENABLED and account is not None and account.feature_sla)
