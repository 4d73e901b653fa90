"""Admin for status pages: pages with components and domains, public incidents with their
timeline, maintenance notes, and "Publish automatic incidents" (one action per incident).

Tenant-aware like the rest of the admin (accounts.admin_base): operators see their
accounts' rows and edit those where they are owner or admin.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin, member_account_ids
from sla.models import Incident
from statuspage import services
from statuspage.models import (
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    StatusPage,
    StatusPageComponent,
    StatusPageDomain,
)

IMPORT_WINDOW = dt.timedelta(days=30)
DEFAULT_REMINDER_MINUTES = 60


class AccountInlineFormSet(BaseInlineFormSet):
    """Inline rows belong to their parent's account (set before validation)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.account_id = self.instance.account_id
        return form


class AccountInline(TenantInlineMixin):
    formset = AccountInlineFormSet
    extra = 0


class DomainInline(AccountInline, admin.TabularInline):
    model = StatusPageDomain
    fields = ["domain"]
    verbose_name = "custom domain (also admit it through ALLOWED_HOSTS)"


class ComponentGroupInline(AccountInline, admin.TabularInline):
    model = ComponentGroup
    fields = ["name", "position", "description"]


class ComponentInline(AccountInline, admin.TabularInline):
    model = StatusPageComponent
    fk_name = "page"
    fields = [
        "name",
        "service",
        "group",
        "section",
        "position",
        "public",
        "showcase",
        "only_show_if_degraded",
        "start_date",
    ]


class StatusPageForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set to make the page private (visitors enter it once).",
    )
    make_public = forms.BooleanField(required=False, help_text="Remove the password.")
    logo_file = forms.FileField(required=False, help_text="PNG, JPEG or GIF, at most 200 KB.")
    remove_logo = forms.BooleanField(required=False)

    class Meta:
        model = StatusPage
        fields = [
            "account",
            "title",
            "slug",
            "enabled",
            "time_zone",
            "language",
            "description",
            "show_sla",
            "subscriptions_enabled",
            "maintenance_reminder_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["maintenance_reminder_minutes"].required = False

    def clean_maintenance_reminder_minutes(self):
        value = self.cleaned_data.get("maintenance_reminder_minutes")
        return DEFAULT_REMINDER_MINUTES if value is None else value

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > services.LOGO_MAX_BYTES:
            raise ValidationError("The logo may be at most 200 KB.")
        return upload.read()


@admin.register(StatusPage)
class StatusPageAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = StatusPageForm
    list_display = [
        "title",
        "slug",
        "account",
        "enabled",
        "private",
        "subscriber_count",
        "public_link",
    ]
    search_fields = ["title", "slug"]
    inlines = [DomainInline, ComponentGroupInline, ComponentInline]

    def get_queryset(self, request):
        confirmed = Count("subscribers", filter=Q(subscribers__confirmed_at__isnull=False))
        return super().get_queryset(request).annotate(confirmed_subscribers=confirmed)

    @admin.display(description="subscribers", ordering="confirmed_subscribers")
    def subscriber_count(self, obj):
        url = reverse("admin:statuspage_subscriber_changelist") + f"?page__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.confirmed_subscribers)

    @admin.display(boolean=True)
    def private(self, obj):
        return obj.is_private

    @admin.display(description="public page")
    def public_link(self, obj):
        return format_html('<a href="/status/{}/">/status/{}/</a>', obj.slug, obj.slug)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if data.get("make_public"):
            obj.password_hash = ""
        elif data.get("new_password"):
            obj.password_hash = make_password(data["new_password"])
        super().save_model(request, obj, form, change)
        if data.get("remove_logo"):
            services.status_page_set_logo(account=obj.account, page=obj, data=None)
        elif data.get("logo_file"):
            try:
                services.status_page_set_logo(account=obj.account, page=obj, data=data["logo_file"])
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))


class IncidentComponentInline(AccountInline, admin.TabularInline):
    model = PublicIncidentComponent
    fields = ["component", "status"]
    verbose_name = "affected component"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        match = request.resolver_match
        incident_id = match.kwargs.get("object_id") if match else None
        if db_field.name == "component" and incident_id:
            incident = PublicIncident.objects.filter(pk=incident_id).only("page_id").first()
            if incident is not None:
                field.queryset = field.queryset.filter(page_id=incident.page_id)
        return field


class IncidentUpdateInline(AccountInline, admin.StackedInline):
    model = IncidentUpdate
    fields = ["status", "body", "display_at"]
    extra = 1
    ordering = ["-display_at", "-id"]
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline (newest first; the newest entry sets the status)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "display_at":
            field.initial = timezone.now  # a new entry is "now" unless the operator says else
            field.help_text = "When it happened (now by default); the newest entry is on top."
        return field


LIVE_MONITORING_NOTE = (
    "Once resolved, the incident no longer sets its components' status: each component "
    "shows its live monitoring state, so one whose service is still down stays down until "
    "the service recovers."
)


class PublicIncidentForm(forms.ModelForm):
    set_operational = forms.BooleanField(
        required=False,
        initial=True,
        label="Resolving sets the components back to operational",
        help_text="When a new timeline entry resolves the incident, mark every affected "
        "component operational in it. " + LIVE_MONITORING_NOTE,
    )

    class Meta:
        model = PublicIncident
        fields = ["account", "page", "name", "impact", "started_at", "follow_source"]


def components_operational(incident: PublicIncident) -> list[str]:
    """Set the incident's affected components back to operational; names of those whose
    live monitoring still says otherwise (they keep showing it until their service recovers)."""
    links = list(incident.affected.select_related("component__service", "component__group"))
    PublicIncidentComponent.objects.filter(pk__in=[link.pk for link in links]).update(
        status="operational"
    )
    return [
        link.component.name
        for link in links
        if link.component.service_id and link.component.service.current_state not in ("OK", "")
    ]


@admin.register(PublicIncident)
class PublicIncidentAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = PublicIncidentForm
    list_display = ["name", "page", "status", "impact", "started_at", "resolved_at", "source"]
    list_filter = ["status", "impact"]
    search_fields = ["name"]
    fields = [
        "account",
        "page",
        "name",
        "impact",
        "started_at",
        "follow_source",
        "status",
        "set_operational",
    ]
    readonly_fields = ["status"]
    inlines = [IncidentComponentInline, IncidentUpdateInline]
    actions = ["resolve_incidents"]
    change_list_template = "admin/statuspage/publicincident/change_list.html"

    @admin.display(description="from automatic incident")
    def source(self, public):
        if not public.source_incident_id:
            return "–"
        url = reverse("admin:sla_incident_change", args=[public.source_incident_id])
        return format_html('<a href="{}">#{}</a>', url, public.source_incident_id)

    def save_related(self, request, form, formsets, change):
        was_resolved = change and form.initial.get("status") in ("resolved", "postmortem")
        was_resolved = was_resolved or (
            change
            and PublicIncident.objects.filter(pk=form.instance.pk, status="resolved").exists()
        )
        super().save_related(request, form, formsets, change)
        incident = form.instance
        services.public_incident_resync(account=incident.account, incident=incident)
        if incident.status == "resolved" and not was_resolved:
            self._after_resolving(request, incident, form.cleaned_data.get("set_operational"))

    def _after_resolving(self, request, incident, set_operational: bool):
        if not set_operational:
            messages.info(request, LIVE_MONITORING_NOTE)
            return
        still_down = components_operational(incident)
        text = "Resolved; the affected components are operational on the incident."
        if still_down:
            text += (
                f" Still shown as down by live monitoring until their service recovers: "
                f"{', '.join(still_down)}."
            )
        messages.success(request, text)

    @admin.action(
        description="Resolve selected incidents (components back to operational)",
        permissions=["change"],
    )
    def resolve_incidents(self, request, queryset):
        count = 0
        for incident in queryset.exclude(status__in=["resolved", "postmortem"]):
            services.public_incident_update_post(
                account=incident.account,
                incident=incident,
                status="resolved",
                body="This incident has been resolved.",
                components={link.component: "operational" for link in incident.affected.all()},
            )
            count += 1
        self.message_user(request, f"Resolved {count} incident(s). {LIVE_MONITORING_NOTE}")

    def get_urls(self):
        own = [
            path(
                "publish-automatic/",
                self.admin_site.admin_view(self.publish_automatic_view),
                name="statuspage_publicincident_publish",
            )
        ]
        return own + super().get_urls()

    def _candidates(self, request):
        """Automatic incidents of the last 30 days that are on no status page yet."""
        since = timezone.now() - IMPORT_WINDOW
        published = PublicIncident.objects.filter(source_incident=OuterRef("pk"))
        incidents = (
            Incident.objects.filter(started_at__gte=since)
            .exclude(Exists(published))
            .select_related("service", "group", "account")
        )
        if not request.user.is_superuser:
            incidents = incidents.filter(account__in=member_account_ids(request, writable=True))
        return incidents.order_by("-started_at")[:200]

    def publish_automatic_view(self, request):
        """Publish automatic incidents (last 30 days): one click per incident."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        candidates = list(self._candidates(request))
        if request.method == "POST":
            chosen = {str(pk) for pk in request.POST.getlist("incident")}
            published = 0
            for incident in candidates:
                if str(incident.pk) in chosen:
                    try:
                        rows = services.public_incident_from_incident(
                            account=incident.account, incident=incident
                        )
                    except ValidationError as error:
                        messages.error(request, "; ".join(error.messages))
                        continue
                    published += len(rows)
                    if not rows:
                        messages.warning(
                            request, f"Incident {incident.pk}: its service is on no status page."
                        )
            messages.success(request, f"Published {published} public incident(s).")
            return redirect(reverse("admin:statuspage_publicincident_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish automatic incidents",
            "candidates": candidates,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/statuspage/publish_automatic.html", context)


class MaintenanceUpdateForm(forms.ModelForm):
    class Meta:
        model = MaintenanceUpdate
        fields = ["account", "downtime", "status", "body", "display_at"]

    def clean(self):
        data = super().clean()
        downtime = data.get("downtime")
        if downtime is not None and not downtime.public:
            raise ValidationError({"downtime": "Only public downtimes are shown as maintenance."})
        return data


@admin.register(MaintenanceUpdate)
class MaintenanceUpdateAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = MaintenanceUpdateForm
    list_display = ["downtime", "status", "display_at", "account"]
    list_filter = ["status"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "downtime":
            field.queryset = field.queryset.filter(public=True)
        return field

    def get_changeform_initial_data(self, request):
        return {"display_at": timezone.now()}


@admin.register(StatusPageComponent)
class StatusPageComponentAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "page", "service", "group", "section", "position", "public"]
    list_filter = ["public"]
    search_fields = ["name"]


@admin.register(ComponentGroup)
class ComponentGroupAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "page", "position"]


from statuspage import admin_publish  # noqa: E402, F401 - publishing on sla's incident admin
from statuspage.subscriptions import admin as subscriptions_admin  # noqa: E402, F401 - registers
