"""Admin of account licences: paste a licence; its signature and claims are verified
before it is saved, and the page shows who, what, until when, valid or why not."""

from django import forms
from django.contrib import admin

from accounts.admin_base import TenantAdminMixin
from licensing.models import AccountLicense
from licensing.selectors import account_license_status, public_key_pem
from licensing.tokens import LicenseError, verify_license_token


class AccountLicenseForm(forms.ModelForm):
    class Meta:
        model = AccountLicense
        fields = ["account", "token"]

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        try:
            verify_license_token(token, public_key_pem())
        except LicenseError as error:
            raise forms.ValidationError(f"Refused: {error}.") from None
        return token


@admin.register(AccountLicense)
class AccountLicenseAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = AccountLicenseForm
    list_display = ["account", "licensee", "state", "expires", "updated_at"]
    readonly_fields = ["status"]

    def _status(self, obj):
        cache = getattr(obj, "_admin_status", None)
        if cache is None:
            cache = account_license_status(account=obj.account)
            obj._admin_status = cache
        return cache

    @admin.display(description="licensee")
    def licensee(self, obj) -> str:
        claims = self._status(obj).claims
        return claims.sub if claims else "—"

    @admin.display(description="state")
    def state(self, obj) -> str:
        status = self._status(obj)
        return status.state if not status.refusal else f"{status.state}: {status.refusal}"

    @admin.display(description="expires")
    def expires(self, obj) -> str:
        claims = self._status(obj).claims
        return claims.expires_at.isoformat() if claims else "—"

    @admin.display(description="status now")
    def status(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        status = self._status(obj)
        claims = status.claims
        parts = [f"state: {status.state}", f"SLA features: {'on' if status.allows_sla else 'off'}"]
        if claims:
            parts += [
                f"licensee: {claims.sub}",
                f"plugins: {', '.join(claims.plugins) or '(none)'}",
                f"expires: {claims.expires_at.isoformat()}",
            ]
            if claims.max_services:
                parts.append(f"max services: {claims.max_services}")
        if status.refusal:
            parts.append(f"why not: {status.refusal}")
        if status.warning:
            parts.append(status.warning)
        return " · ".join(parts)
