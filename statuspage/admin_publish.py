"""Publishing automatic incidents starts from the incident (Statuspage's composer): an
action on the incidents list and a button on an incident's page; the list marks the
published ones and filters on it. Registered over sla's IncidentAdmin (statuspage builds
on sla, never the other way round)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from accounts.admin_base import TenantAdminMixin
from sla.admin.ingest import IncidentAdmin
from sla.models import Incident
from statuspage import services
from statuspage.models import PublicIncident


def published_filter(queryset):
    return queryset.annotate(
        is_published=Exists(PublicIncident.objects.filter(source_incident=OuterRef("pk")))
    )


class PublishedFilter(admin.SimpleListFilter):
    title = "on a status page"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("no", "not published"), ("yes", "published")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_published=self.value() == "yes")
        return queryset


def publish_incidents(request, incidents) -> int:
    """Publish each incident on the pages showing its subject; messages say what happened."""
    published = 0
    for incident in incidents:
        try:
            rows = services.public_incident_from_incident(
                account=incident.account, incident=incident
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            continue
        if not rows:
            messages.warning(
                request,
                f"{incident}: its service or group is no public component of any status "
                "page; add it to a page first.",
            )
        published += len(rows)
    if published:
        messages.success(request, f"Published {published} public incident(s).")
    return published


class PublishingIncidentAdmin(IncidentAdmin):
    """Incidents with their status page publication."""

    list_display = [*IncidentAdmin.list_display, "publication"]
    list_filter = [PublishedFilter, *IncidentAdmin.list_filter]
    actions = ["publish", *IncidentAdmin.actions]
    change_form_template = "admin/sla/incident/change_form.html"
    ordering = ["-started_at", "-id"]  # newest first

    def get_queryset(self, request):
        return published_filter(super().get_queryset(request))

    @admin.display(description="status page")
    def publication(self, incident):
        if not incident.is_published:
            return "not published"
        rows = PublicIncident.objects.filter(source_incident=incident).select_related("page")
        links = [
            (reverse("admin:statuspage_publicincident_change", args=[row.pk]), row.page.title)
            for row in rows
        ]
        return format_html("published: {}", format_html_join(", ", '<a href="{}">{}</a>', links))

    @admin.action(description="Publish on the status page")
    def publish(self, request, queryset):
        publish_incidents(request, queryset.filter(is_published=False).select_related("account"))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not TenantAdminMixin.has_change_permission(self, request):
            actions.pop("publish", None)
        return actions

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.publish_view))
        return [
            path("<int:object_id>/publish/", view, name="sla_incident_publish"),
            *super().get_urls(),
        ]

    def publish_view(self, request, object_id):
        incident = self.get_queryset(request).filter(pk=object_id).first()
        if incident is None:
            raise Http404("No such incident.")
        if not TenantAdminMixin.has_change_permission(self, request, incident):
            raise PermissionDenied
        publish_incidents(request, [incident])
        public = PublicIncident.objects.filter(source_incident=incident).order_by("id").first()
        if public is not None:
            return redirect(reverse("admin:statuspage_publicincident_change", args=[public.pk]))
        return redirect(reverse("admin:sla_incident_change", args=[incident.pk]))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["publications"] = PublicIncident.objects.filter(
                source_incident=obj
            ).select_related("page")
            context["may_publish"] = TenantAdminMixin.has_change_permission(self, request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


admin.site.unregister(Incident)
admin.site.register(Incident, PublishingIncidentAdmin)
