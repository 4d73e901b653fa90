"""Writes of licences: an account's own licence, set or cleared."""

from django.db import transaction
from django.utils import timezone

from licensing.models import AccountLicense
from licensing.selectors import LicenseStatus, forget_license_status, judge_license, public_key_pem
from licensing.tokens import LicenseError, verify_license_token


def account_license_set(*, account, token: str | None) -> LicenseStatus | None:
    """Store the account's licence after its signature and claims verified (LicenseError
    naming the reason otherwise, nothing stored); an empty token removes the account's
    licence (the deployment's SLA_LICENSE applies again). An expired licence whose
    signature verifies is stored: its status says expired or in grace."""
    token = (token or "").strip()
    forget_license_status(account)
    if not token:
        AccountLicense.objects.for_account(account).delete()
        return None
    verify_license_token(token, public_key_pem())
    with transaction.atomic():
        AccountLicense.objects.update_or_create(account=account, defaults={"token": token})
    return judge_license(token, source="account", now=timezone.now())


__all__ = ["LicenseError", "account_license_set"]
