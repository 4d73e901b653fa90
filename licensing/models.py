"""The licence an account carries (instead of the deployment's SLA_LICENSE)."""

from django.db import models

from accounts.querysets import TenantModel


class AccountLicense(TenantModel):
    """An account's own licence token (a JWT signed with Ed25519 by the vendor), stored as
    given; it overrides the deployment's SLA_LICENSE for this account. Only tokens whose
    signature verifies are stored (licensing.services.account_license_set)."""

    token = models.TextField(help_text="The licence JWT (EdDSA / Ed25519)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "account licence"
        constraints = [
            models.UniqueConstraint(fields=["account"], name="accountlicense_one_per_account")
        ]

    def __str__(self) -> str:
        return f"licence of {self.account}"
