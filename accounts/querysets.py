"""The tenancy building blocks every tenant-owned model uses."""

from django.core.exceptions import ValidationError
from django.db import models


class AccountScopedQuerySet(models.QuerySet):
    """Querysets of tenant-owned rows; every query starts from `for_account(account)`."""

    def for_account(self, account):
        if account is None:
            # A missing account must never widen a query to every tenant.
            return self.none()
        return self.filter(account=account)


class TenantModel(models.Model):
    """Abstract base of every tenant-owned model: an `account` and the scoped manager.

    `clean()` refuses a foreign key to another account's row, so neither admin nor API
    can link tenants together.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def cross_account_references(self) -> list[str]:
        if self.account_id is None:
            return []
        wrong = []
        for field in self._meta.get_fields():
            if not isinstance(field, models.ForeignKey) or field.name == "account":
                continue
            if not issubclass(field.related_model, TenantModel):
                continue
            related = getattr(self, field.name, None)
            if related is not None and related.account_id != self.account_id:
                wrong.append(field.name)
        return wrong

    def clean(self):
        super().clean()
        wrong = self.cross_account_references()
        if wrong:
            raise ValidationError(dict.fromkeys(wrong, "Belongs to another account."))
