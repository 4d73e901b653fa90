"""Admin for saved SLA views (columns inline)."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from slaviews.models import SLAView, SLAViewColumn


class ColumnFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The column belongs to its view's account before it is validated, so
        # TenantModel.clean refuses another account's SLA.
        form.instance.account_id = self.instance.account_id
        return form


class SLAViewColumnInline(TenantInlineMixin, admin.TabularInline):
    model = SLAViewColumn
    formset = ColumnFormSet
    fields = ["position", "sla"]
    extra = 1


@admin.register(SLAView)
class SLAViewAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "grouping", "last_periods", "only_outages", "account"]
    search_fields = ["name"]
    inlines = [SLAViewColumnInline]
