"""Admin for the status pipeline: incidents, and read-only views of events, snapshots,
daily rollups and rollup marks (all derived or pushed by agents, never edited by hand)."""

from django.contrib import admin, messages
from django.utils import timezone

from accounts.admin_base import TenantAdminMixin
from sla.models import DailyUptime, Incident, RollupMark, StatusEvent, UptimeSnapshot
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


@admin.register(StatusEvent)
class StatusEventAdmin(ReadOnlyTenantAdmin):
    list_display = ["service", "at", "state", "message", "received_at"]
    list_filter = ["state"]
    list_select_related = ["service"]
    search_fields = ["service__path", "message", "dedup_key"]
    date_hierarchy = "at"
    show_full_result_count = False  # no COUNT(*) over millions of events


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
        "rolled_until",
    ]
    list_select_related = ["service", "group"]
    search_fields = ["service__path", "group__name"]
