"""Admin of the Prometheus integration: sources (secrets write-only, "test connection"),
status rules, Alertmanager settings and alerts, PromQL gaps, and the SLO inline."""

from django import forms
from django.contrib import admin, messages

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from integrations.prometheus.models import (
    AlertmanagerAlert,
    AlertmanagerSettings,
    PrometheusSource,
    PrometheusStatusRule,
    PromQLGap,
    PromQLSLI,
)
from integrations.prometheus.services.sources import (
    QueryProblem,
    promql_sli_save,
    queries_check,
    sli_queries_check,
    source_check,
    source_save,
)

SECRET_HELP = "Write-only: leave empty to keep the current value; tick 'clear' to remove it."  # noqa: S105 - help text


class PrometheusSourceForm(forms.ModelForm):
    """Secrets are never shown: an empty field keeps the stored value. ``default_source``
    sets ``is_default`` in ``save_model``, not through the form: validating the model with
    it would meet the one-default constraint and refuse the switch, which ``source_save``
    makes by clearing the previous default first."""

    default_source = forms.BooleanField(
        label="Default source",
        required=False,
        help_text=PrometheusSource._meta.get_field("is_default").help_text,
    )

    bearer_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text=SECRET_HELP
    )
    basic_auth_password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text=SECRET_HELP
    )
    clear_secrets = forms.BooleanField(required=False, help_text="Remove the token and password.")

    class Meta:
        model = PrometheusSource
        fields = [
            "account",
            "name",
            "url",
            "bearer_token",
            "basic_auth_username",
            "basic_auth_password",
            "headers",
            "timeout_seconds",
            "verify_tls",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_source"].initial = self.instance.is_default

    def clean(self):
        data = super().clean()
        for name in ("bearer_token", "basic_auth_password"):
            if not data.get(name) and self.instance.pk and not data.get("clear_secrets"):
                data[name] = getattr(PrometheusSource.objects.get(pk=self.instance.pk), name)
                setattr(self.instance, name, data[name])
        return data


@admin.register(PrometheusSource)
class PrometheusSourceAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = PrometheusSourceForm
    list_display = [
        "name",
        "account",
        "url",
        "is_default",
        "last_check_ok",
        "last_check_at",
        "last_check_message",
    ]
    list_filter = ["is_default"]
    search_fields = ["name", "url"]
    actions = ["test_connection"]

    def save_model(self, request, obj, form, change):
        # Through the service: a new default clears the previous one in the same transaction.
        obj.is_default = form.cleaned_data["default_source"]
        source_save(account=obj.account, source=obj)

    @admin.action(description="Test connection (runs vector(1))", permissions=["change"])
    def test_connection(self, request, queryset):
        for source in queryset:
            outcome = source_check(account=source.account, source=source)
            if outcome["ok"]:
                self.message_user(request, f"{source}: Prometheus {outcome['version']}")
            else:
                self.message_user(request, f"{source}: {outcome['error']}", messages.ERROR)


class StatusRuleForm(forms.ModelForm):
    class Meta:
        model = PrometheusStatusRule
        fields = [
            "account",
            "name",
            "service",
            "source",
            "query",
            "crit_operator",
            "crit_threshold",
            "warn_operator",
            "warn_threshold",
            "missing_state",
            "enabled",
        ]

    def clean(self):
        data = super().clean()
        source, query = data.get("source"), data.get("query")
        if source is not None and query and self.has_changed():
            try:
                queries_check(source=source, queries={"query": query}, one_series=True)
            except QueryProblem as problem:
                self.add_error(
                    problem.field if problem.field in self.fields else None, problem.message
                )
        return data


@admin.register(PrometheusStatusRule)
class PrometheusStatusRuleAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = StatusRuleForm
    list_display = [
        "name",
        "account",
        "service",
        "source",
        "last_state",
        "last_value",
        "last_evaluated_at",
        "last_error",
    ]
    list_filter = ["enabled", "last_state"]
    search_fields = ["name", "query", "service__path"]
    readonly_fields = ["last_state", "last_value", "last_evaluated_at", "last_error"]


@admin.register(AlertmanagerSettings)
class AlertmanagerSettingsAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["account", "service_label", "fallback_template", "default_state"]


@admin.register(AlertmanagerAlert)
class AlertmanagerAlertAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["alertname", "account", "service", "state", "starts_at", "ends_at"]
    list_filter = ["state"]
    search_fields = ["alertname", "fingerprint", "service__path"]
    readonly_fields = [field.name for field in AlertmanagerAlert._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromQLGap)
class PromQLGapAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "slo",
        "account",
        "start",
        "end",
        "kind",
        "reason",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["kind"]
    readonly_fields = [field.name for field in PromQLGap._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False


class PromQLSLIForm(forms.ModelForm):
    class Meta:
        model = PromQLSLI
        fields = ["source", "good_query", "bad_query", "total_query"]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source is not None and data.get("total_query") and self.has_changed():
            try:
                sli_queries_check(
                    source=source,
                    good_query=(data.get("good_query") or "").strip(),
                    bad_query=(data.get("bad_query") or "").strip(),
                    total_query=data["total_query"].strip(),
                )
            except QueryProblem as problem:
                self.add_error(
                    problem.field if problem.field in self.fields else None, problem.message
                )
        return data

    def save(self, commit=True):
        # Through the service: the account follows the SLO; new queries refetch the window.
        slo = self.instance.slo
        if not commit:
            self.instance.account_id = slo.account_id
            return super().save(commit=False)
        return promql_sli_save(
            account=slo.account, slo=slo, data=self.cleaned_data, created=self.instance.pk is None
        )


class PromQLSLIInline(TenantInlineMixin, admin.StackedInline):
    """PromQL queries of an SLO of kind prometheus (tried on the source when saved)."""

    model = PromQLSLI
    form = PromQLSLIForm
    extra = 0
    max_num = 1
    fk_name = "slo"
    verbose_name = "PromQL SLI (for SLI kind prometheus)"
