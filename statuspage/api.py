"""Operator API for status pages: pages, components, public incidents and their timelines,
maintenance notes, and publishing an automatic incident in one call.

Routes (see slaportal/api/urls.py):
    /api/v1/status-pages[/<pk>]
    /api/v1/status-page-groups[/<pk>]           component groups (sections)
    /api/v1/status-page-components[/<pk>]
    /api/v1/public-incidents[/<pk>]
    /api/v1/public-incidents/<pk>/updates       GET timeline, POST a new entry
    /api/v1/public-incidents/from-incident      POST {"incident": id, "page": id?}
    /api/v1/incident-updates[/<pk>]             fix an entry's text or time, or delete it
    /api/v1/maintenance-updates[/<pk>]          notes/status overrides of public downtimes
"""

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedViewSet, PatchOnlyMixin
from slaportal.api.examples import PUBLIC_INCIDENT_EXAMPLE, with_create_example
from statuspage import services
from statuspage.models import (
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    PublicIncident,
    StatusPage,
    StatusPageComponent,
    StatusPageDomain,
)
from statuspage.serializers import (
    ComponentGroupSerializer,
    ComponentSerializer,
    FromIncidentSerializer,
    IncidentUpdateEditSerializer,
    IncidentUpdateSerializer,
    MaintenanceUpdateSerializer,
    PublicIncidentSerializer,
    StatusPageSerializer,
    components_dict,
)


class StatusPageViewSet(AccountScopedViewSet):
    """The account's status pages (public at /status/<slug>/ and on their domains)."""

    queryset = StatusPage.objects.all()
    serializer_class = StatusPageSerializer
    filterset_fields = ["slug", "enabled"]

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related(
            Prefetch("domains", queryset=StatusPageDomain.objects.order_by("domain"))
        )

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        logo = data.pop("logo", None)
        page = services.status_page_create(account=self.account, **data)
        if logo:
            services.status_page_set_logo(account=self.account, page=page, data=logo)
        serializer.instance = page

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        domains = data.pop("domains", None)
        has_logo, logo = "logo" in data, data.pop("logo", None)
        page = services.status_page_update(account=self.account, page=serializer.instance, **data)
        if domains is not None:
            services.status_page_domains_set(account=self.account, page=page, domains=domains)
        if has_logo:
            services.status_page_set_logo(account=self.account, page=page, data=logo)
        serializer.instance = page


class ComponentGroupViewSet(AccountScopedViewSet):
    """Component groups (sections) of status pages."""

    queryset = ComponentGroup.objects.all()
    serializer_class = ComponentGroupSerializer
    filterset_fields = ["page"]


class StatusPageComponentViewSet(AccountScopedViewSet):
    """Components: a service or SLA group shown under a public name."""

    queryset = StatusPageComponent.objects.all()
    serializer_class = ComponentSerializer
    filterset_fields = ["page", "public", "section"]


@with_create_example(PUBLIC_INCIDENT_EXAMPLE)
class PublicIncidentViewSet(AccountScopedViewSet):
    """Public incidents. Create with a first update; change status by posting updates."""

    queryset = PublicIncident.objects.all()
    serializer_class = PublicIncidentSerializer
    filterset_fields = ["page", "status", "impact"]

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related(
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-id")),
            "affected",
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.public_incident_create(
            account=self.account,
            page=data["page"],
            name=data["name"],
            body=data["body"],
            status=data["status"],
            impact=data["impact"],
            components=components_dict(data.get("components")),
            started_at=data.get("started_at"),
        )
        if "follow_source" in data:
            serializer.instance.follow_source = data["follow_source"]
            serializer.instance.save(update_fields=["follow_source", "updated_at"])


class IncidentUpdatesView(AccountScopedMixin, APIView):
    """The timeline of one public incident: list it, or post the next entry."""

    tenant_model = PublicIncident
    queryset = PublicIncident.objects.all()

    def _incident(self, pk):
        return get_object_or_404(PublicIncident.objects.for_account(self.account), pk=pk)

    @extend_schema(responses=IncidentUpdateSerializer(many=True))
    def get(self, request, pk):
        incident = self._incident(pk)
        updates = incident.updates.order_by("-display_at", "-id")
        return Response(IncidentUpdateSerializer(updates, many=True).data)

    @extend_schema(request=IncidentUpdateSerializer, responses={201: IncidentUpdateSerializer})
    def post(self, request, pk):
        incident = self._incident(pk)
        serializer = IncidentUpdateSerializer(data=request.data, context={"account": self.account})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = services.public_incident_update_post(
            account=self.account,
            incident=incident,
            status=data["status"],
            body=data["body"],
            display_at=data.get("display_at"),
            components=components_dict(data.get("components")),
        )
        return Response(IncidentUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class PublishIncidentView(AccountScopedMixin, APIView):
    """Publish an automatic incident (from ingestion) as a public incident, in one call."""

    tenant_model = PublicIncident

    @extend_schema(
        request=FromIncidentSerializer,
        # One public incident per page that shows the incident's subject: always a list.
        responses={201: PublicIncidentSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        serializer = FromIncidentSerializer(data=request.data, context={"account": self.account})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        published = services.public_incident_from_incident(account=self.account, **data)
        if not published:
            return Response(
                {
                    "error": "validation_error",
                    "message": "incident: its service or group is on no status page.",
                    "fields": {"incident": ["Its service or group is on no status page."]},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        body = PublicIncidentSerializer(published, many=True, context={"account": self.account})
        return Response(body.data, status=status.HTTP_201_CREATED)


class IncidentUpdateViewSet(
    AccountScopedMixin,
    PatchOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Timeline entries of public incidents: correct the text or time, or remove one."""

    queryset = IncidentUpdate.objects.all()
    serializer_class = IncidentUpdateEditSerializer
    filterset_fields = ["incident", "status"]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def perform_update(self, serializer):
        serializer.validated_data.pop("components", None)
        serializer.save()
        services.public_incident_resync(account=self.account, incident=serializer.instance.incident)

    def perform_destroy(self, instance):
        incident = instance.incident
        instance.delete()
        services.public_incident_resync(account=self.account, incident=incident)


class MaintenanceUpdateViewSet(AccountScopedViewSet):
    """Notes on public maintenances; the latest note's status overrides the automatic one."""

    queryset = MaintenanceUpdate.objects.all()
    serializer_class = MaintenanceUpdateSerializer
    filterset_fields = ["downtime", "status"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.maintenance_update_post(
            account=self.account,
            downtime=data["downtime"],
            status=data["status"],
            body=data.get("body", ""),
            display_at=data.get("display_at"),
        )
