"""The SLA feature gate ("plugin gate"): the one function every part asks."""

from django.conf import settings


def sla_enabled(account) -> bool:
    """SLA features are on only when SLA_ENABLED (and ITOPS_PLUGINS_SLA_ENABLED) is not
    false, the account's flag is set and, with SLA_LICENSE_REQUIRED, the account's
    effective licence is valid (or in its grace period) and lists "sla"."""
    if not (settings.SLA_ENABLED and account is not None and account.feature_sla):
        return False
    if not settings.SLA_LICENSE_REQUIRED:
        return True
    from licensing.selectors import license_allows_sla

    return license_allows_sla(account)
