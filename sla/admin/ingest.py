"""Admin for the status pipeline: incidents, and read-only views of events, snapshots,
daily rollups and rollup marks (all derived or pushed by agents, never edited by hand)."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from accounts.admin_base import TenantAdminMixin, member_account_ids
from sla.engine import StateError, normalize_state
from sla.models import (
    DailyUptime,
    Incident,
    RollupMark,
    Service,
    StatusEvent,
    UptimeSnapshot,
)
from sla.services.ingest import events_ingest, events_validate
from sla.services.marks import marks_upsert


class ReadOnlyTenantAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Visible to the account's members; nobody adds, edits or deletes rows here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyTenantAdmin):
    """Incidents are rebuilt from events; the action re-derives the selected ones."""

    list_display = ["__str__", "service", "group", "started_at", "ended_at", "worst_state", "state"]
    list_filter = ["worst_state", "state", ("ended_at", admin.EmptyFieldListFilter)]
    list_select_related = ["service", "group"]
    search_fields = ["service__path", "group__name"]
    date_hierarchy = "started_at"
    actions = ["rebuild"]

    @admin.action(description="Rebuild the selected incidents from the events")
    def rebuild(self, request, queryset):
        from sla.services.rollups import incidents_refresh_account

        writable = TenantAdminMixin.has_change_permission
        by_account: dict = {}
        for incident in queryset.select_related("account"):
            if not writable(self, request, incident):
                continue
            subject = "service" if incident.service_id else "group"
            subject_id = incident.service_id or incident.group_id
            marks = by_account.setdefault(incident.account, {}).setdefault(subject, {})
            earliest = marks.get(subject_id, (None, None, incident.started_at))[2]
            marks[subject_id] = (None, None, min(earliest, incident.started_at))
        for account, subjects in by_account.items():
            for subject, marks in subjects.items():
                marks_upsert(account=account, subject=subject, marks=marks)
            incidents_refresh_account(account=account, now=timezone.now())
        messages.success(request, f"Rebuilt incidents of {len(by_account)} account(s).")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not TenantAdminMixin.has_change_permission(self, request):
            actions.pop("rebuild", None)
        return actions


class StatusEventAddForm(forms.ModelForm):
    """One status event typed in by an operator; stored through the ingest service, so
    incidents, snapshots and SLA results follow exactly as for an agent's push."""

    state = forms.CharField(help_text="OK, WARN, CRIT, UNKNOWN (or UP, DEGRADED, OUTAGE, DOWN)")

    def clean_state(self):
        try:
            return normalize_state(self.cleaned_data["state"])
        except StateError as error:
            raise forms.ValidationError(str(error)) from None

    class Meta:
        model = StatusEvent
        fields = ["account", "service", "at", "state", "message"]

    def clean(self):
        cleaned = super().clean()
        service, at = cleaned.get("service"), cleaned.get("at")
        if service is None or at is None or "state" not in cleaned:
            return cleaned
        if cleaned.get("account") and service.account_id != cleaned["account"].pk:
            raise forms.ValidationError({"service": "Belongs to another account."})
        self.item = {
            "service": service.path,
            "at": at.isoformat(),
            "state": cleaned["state"],
            "message": cleaned.get("message", ""),
        }
        _, errors = events_validate([self.item], now=timezone.now())
        if errors:
            field = errors[0].get("field")
            raise forms.ValidationError(
                {field if field in self.fields else None: errors[0]["error"]}
            )
        return cleaned


class ServiceFilter(admin.SimpleListFilter):
    """By service: the services of the operator's accounts (never a scan of the events)."""

    title = "service"
    parameter_name = "service"

    def lookups(self, request, model_admin):
        services = Service.objects.order_by("path")
        if not request.user.is_superuser:
            services = services.filter(account__in=member_account_ids(request))
        return [(str(pk), path) for pk, path in services.values_list("pk", "path")[:500]]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(service_id=value) if value and value.isdigit() else queryset


@admin.register(StatusEvent)
class StatusEventAdmin(ReadOnlyTenantAdmin):
    """Events are facts: listed read-only; an operator may add one (e.g. a missed outage)."""

    list_display = ["service", "at", "state", "message", "received_at"]
    list_filter = ["state", ServiceFilter]
    ordering = ["-at", "-id"]  # newest first
    list_select_related = ["service"]
    search_fields = ["service__path", "message", "dedup_key"]
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over millions of events

    def has_add_permission(self, request, obj=None):
        return TenantAdminMixin.has_change_permission(self, request)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = StatusEventAddForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        account = form.cleaned_data["account"]
        result = events_ingest(account=account, items=[form.item])
        stored = StatusEvent.objects.for_account(account).filter(
            service=form.cleaned_data["service"], at=form.cleaned_data["at"]
        )
        obj.pk = stored.order_by("-id").values_list("pk", flat=True).first()
        if result.duplicates:
            messages.info(request, "This event was stored before; nothing changed.")


@admin.register(UptimeSnapshot)
class UptimeSnapshotAdmin(ReadOnlyTenantAdmin):
    list_display = [
        "bucket_start",
        "service",
        "group",
        "seconds_ok",
        "seconds_warn",
        "seconds_crit",
        "seconds_unknown",
        "seconds_unmonitored",
        "seconds_downtime",
    ]
    list_select_related = ["service", "group"]
    search_fields = ["service__path", "group__name"]
    date_hierarchy = "bucket_start"
    show_full_result_count = False


@admin.register(DailyUptime)
class DailyUptimeAdmin(ReadOnlyTenantAdmin):
    list_display = [
        "day",
        "service",
        "group",
        "seconds_ok",
        "seconds_warn",
        "seconds_crit",
        "seconds_unknown",
        "seconds_unmonitored",
        "seconds_downtime",
    ]
    list_select_related = ["service", "group"]
    search_fields = ["service__path", "group__name"]
    date_hierarchy = "day"


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyTenantAdmin):
    list_display = [
        "service",
        "group",
        "history_start",
        "dirty_from",
        "incidents_from",
        "results_from",
        "rolled_until",
    ]
    list_select_related = ["service", "group"]
    search_fields = ["service__path", "group__name"]
