"""Incidents API: `/api/v1/incidents` (list with filters) and `/incidents/{id}` (detail with
its events and the SLAs it counts against)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from accounts.api_base import AccountScopedReadOnlyViewSet
from sla.api.ingest import STATE_FILTER, StatusEventSerializer
from sla.models import Incident
from sla.selectors.incidents import incident_events, incident_slas, incidents_filtered
from slaportal.api.params import choice_param, id_param, range_params

STATUS_FILTER = {"open": "open", "closed": "closed"}
BOOLEAN_FILTER = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class IncidentSerializer(serializers.ModelSerializer):
    service_path = serializers.CharField(
        source="service.path", read_only=True, default=None, allow_null=True
    )
    group_name = serializers.CharField(
        source="group.name", read_only=True, default=None, allow_null=True
    )
    open = serializers.BooleanField(source="is_open", read_only=True)
    duration_seconds = serializers.SerializerMethodField(
        help_text="Until the end, or until now while open"
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "service",
            "service_path",
            "group",
            "group_name",
            "started_at",
            "ended_at",
            "open",
            "duration_seconds",
            "worst_state",
            "state",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, incident) -> float:
        end = incident.ended_at or self.context.get("now") or timezone.now()
        return max((end - incident.started_at).total_seconds(), 0.0)


class IncidentDetailSerializer(IncidentSerializer):
    events = serializers.SerializerMethodField()
    events_truncated = serializers.SerializerMethodField()
    slas = serializers.SerializerMethodField(help_text="SLAs assigned to the service or group")

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "events", "events_truncated", "slas"]
        read_only_fields = fields

    def _events(self, incident):
        cache = self.context.setdefault("_events", {})
        if incident.pk not in cache:
            cache[incident.pk] = incident_events(account=self.context["account"], incident=incident)
        return cache[incident.pk]

    def get_events(self, incident) -> list[dict]:
        events, _ = self._events(incident)
        return StatusEventSerializer(events, many=True).data

    def get_events_truncated(self, incident) -> bool:
        return self._events(incident)[1]

    def get_slas(self, incident) -> list[dict]:
        return incident_slas(account=self.context["account"], incident=incident)


class IncidentViewSet(AccountScopedReadOnlyViewSet):
    """Incidents of services and SLA groups (derived from status events)."""

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer

    def get_serializer_class(self):
        return IncidentDetailSerializer if self.action == "retrieve" else IncidentSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def optimize_queryset(self, queryset):
        return queryset.select_related("service", "group").order_by("-started_at", "-id")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        request = self.request
        wanted = choice_param(request, "status", STATUS_FILTER)
        is_open = choice_param(request, "open", BOOLEAN_FILTER)
        if wanted is not None:
            is_open = wanted == "open"
        start, end = range_params(request)
        return incidents_filtered(
            account=self.account,
            service_id=id_param(request, "service"),
            group_id=id_param(request, "group"),
            worst_state=choice_param(request, "state", STATE_FILTER),
            is_open=is_open,
            start=start,
            end=end,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, description="service id"),
            OpenApiParameter("group", OpenApiTypes.INT, description="SLA group id"),
            OpenApiParameter("state", OpenApiTypes.STR, description="worst state reached"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "closed"]),
            OpenApiParameter("open", OpenApiTypes.BOOL),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="overlapping [from, to)"),
            OpenApiParameter("to", OpenApiTypes.DATETIME),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=IncidentDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
