"""Admin for services, groups, time periods, SLAs (requirements inline), rules, downtimes."""

from django import forms
from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from licensing.limits import service_create_refusal
from sla.admin.forms import (
    LEVELS_HELP,
    RequirementAdminForm,
    RequirementFormSet,
    SLADefinitionAdminForm,
    TimePeriodAdminForm,
)
from sla.admin.views import service_sla_view, sla_overview_view
from sla.models import (
    Requirement,
    Service,
    ServiceGroup,
    SLADefinition,
    TimePeriod,
)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "title", "aggregation", "k", "account"]
    search_fields = ["name", "title"]


class ServiceAdminForm(forms.ModelForm):
    """Adding a service beyond the licence's max_services is refused with the reason."""

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account")
        if self.instance.pk is None and account is not None:
            refusal = service_create_refusal(account)
            if refusal:
                raise forms.ValidationError(f"Not created: {refusal}.")
        return cleaned


@admin.register(Service)
class ServiceAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = ServiceAdminForm
    list_display = ["path", "name", "group", "current_state", "current_state_since", "sla_link"]
    list_filter = ["current_state", "group"]
    search_fields = ["path", "name"]
    readonly_fields = ["current_state", "current_state_since"]

    def get_urls(self):
        view = self.admin_site.admin_view(service_sla_view(self))
        return [path("<int:object_id>/sla/", view, name="sla_service_sla"), *super().get_urls()]

    @admin.display(description="SLA")
    def sla_link(self, service):
        url = reverse("admin:sla_service_sla", args=[service.pk])
        return format_html('<a href="{}">SLA detail</a>', url)


@admin.register(TimePeriod)
class TimePeriodAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = TimePeriodAdminForm
    list_display = ["name", "summary", "holidays", "account"]
    search_fields = ["name"]

    def get_fields(self, request, obj=None):
        from sla.admin.forms import WEEKDAYS

        return ["account", "name", *WEEKDAYS, "exceptions"]

    @admin.display(description="holidays and exceptions")
    def holidays(self, obj):
        exceptions = (obj.definition or {}).get("exceptions", {})
        return (
            "; ".join(
                f"{day} {', '.join(ranges)}" if ranges else f"{day} (holiday)"
                for day, ranges in sorted(exceptions.items())
            )
            or "–"
        )

    @admin.display(description="weekly ranges")
    def summary(self, obj):
        definition = obj.definition or {}
        return "; ".join(
            f"{day[:3]} {', '.join(ranges)}"
            for day, ranges in definition.items()
            if day != "exceptions"
        )


class RequirementInline(TenantInlineMixin, admin.StackedInline):
    model = Requirement
    formset = RequirementFormSet
    extra = 0
    min_num = 1
    form = RequirementAdminForm
    exclude = ["account"]
    # Each kind's fields in a fieldset of their own: operator.js shows only the chosen
    # kind's; without JavaScript both show under their headings and the form ignores the
    # other kind's values.
    fieldsets = [
        (None, {"fields": [("position", "title"), ("kind", "state")]}),
        (
            "Percentage of time in a state",
            {"fields": [("comparison", "target")], "classes": ["requirement-kind-percentage"]},
        ),
        (
            "Number of outages",
            {
                "fields": [("max_count", "min_duration_seconds")],
                "classes": ["requirement-kind-outages"],
            },
        ),
        (
            "Levels (optional)",
            {"fields": [("level_warn", "level_crit")], "description": LEVELS_HELP},
        ),
        (None, {"fields": ["time_period"]}),
    ]


@admin.register(SLADefinition)
class SLADefinitionAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = SLADefinitionAdminForm
    inlines = [RequirementInline]
    list_display = ["title", "period", "timezone", "time_period", "revision", "overview_link"]
    list_filter = ["period"]
    search_fields = ["title"]
    fieldsets = [
        (None, {"fields": ["account", "title", "description"]}),
        ("Period", {"fields": ["period", "timezone", "time_period"]}),
        (
            "Options",
            {
                "fields": [
                    *SLADefinitionAdminForm.OPTION_FIELDS,
                    *SLADefinitionAdminForm.DETECTION_FIELDS.values(),
                ]
            },
        ),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("timezone", getattr(request, "operator_zone", "UTC"))
        return initial

    def get_urls(self):
        view = self.admin_site.admin_view(sla_overview_view(self))
        return [path("<int:object_id>/results/", view, name="sla_sla_results"), *super().get_urls()]

    def save_formset(self, request, form, formset, change):
        # Inline rows belong to their SLA's account.
        for inline_form in formset.forms:
            inline_form.instance.account_id = form.instance.account_id
        super().save_formset(request, form, formset, change)

    @admin.display(description="results")
    def overview_link(self, sla):
        url = reverse("admin:sla_sla_results", args=[sla.pk])
        return format_html('<a href="{}">results</a>', url)
