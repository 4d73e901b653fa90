"""CRUD endpoints for services, groups, downtimes, time periods, SLAs and rules."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api_base import AccountScopedViewSet
from licensing.limits import service_create_refusal
from sla.api.results import (
    assigned_sla_payload,
    parse_results_query,
    results_payload,
    subject_from_query,
)
from sla.api.serializers import (
    AssignmentRuleSerializer,
    DowntimeSerializer,
    ServiceGroupSerializer,
    ServiceSerializer,
    SLADefinitionSerializer,
    TimePeriodSerializer,
)
from sla.filters import AssignmentRuleFilter, DowntimeFilter, ServiceFilter, SLADefinitionFilter
from sla.models import (
    AssignmentRule,
    Downtime,
    Service,
    ServiceGroup,
    SLADefinition,
    TimePeriod,
)
from sla.services.results import Subject
from slaportal.api.examples import (
    DOWNTIME_EXAMPLE,
    SERVICE_EXAMPLE,
    SLA_EXAMPLE,
    with_create_example,
)

RESULT_PARAMETERS = [
    OpenApiParameter("from", str, description="range start, ISO 8601 with offset"),
    OpenApiParameter("to", str, description="range end (exclusive)"),
    OpenApiParameter("last", int, description="the current period and N-1 before it"),
]


class SLAViewSet(AccountScopedViewSet):
    """Base of the SLA app's CRUD endpoints: behind the SLA feature gate."""

    sla_feature_required = True


@with_create_example(SERVICE_EXAMPLE)
class ServiceViewSet(SLAViewSet):
    """Monitored services (identified by path, e.g. payment/api)."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter

    def perform_create(self, serializer):
        refusal = service_create_refusal(self.account)
        if refusal:
            raise ValidationError({"path": [refusal[0].upper() + refusal[1:] + "."]})
        super().perform_create(serializer)

    @extend_schema(parameters=RESULT_PARAMETERS, responses={200: dict})
    @action(detail=True, methods=["get"], url_path="sla")
    def sla(self, request, pk=None):
        """The service's rule-assigned SLA and its results (default: the last 6 periods)."""
        subject = Subject(service=self.get_object())
        values = parse_results_query(request, default_last=6)
        return Response(assigned_sla_payload(account=self.account, subject=subject, values=values))


class ServiceGroupViewSet(SLAViewSet):
    """SLA groups (service groups) rolling up their member services."""

    queryset = ServiceGroup.objects.all()
    serializer_class = ServiceGroupSerializer
    filterset_fields = ["name", "aggregation"]

    @extend_schema(parameters=RESULT_PARAMETERS, responses={200: dict})
    @action(detail=True, methods=["get"], url_path="sla")
    def sla(self, request, pk=None):
        """The group's rule-assigned SLA and its results on the group's derived timeline."""
        subject = Subject(group=self.get_object())
        values = parse_results_query(request, default_last=6)
        return Response(assigned_sla_payload(account=self.account, subject=subject, values=values))


@with_create_example(DOWNTIME_EXAMPLE)
class DowntimeViewSet(SLAViewSet):
    """Maintenance windows, once or weekly, for a service, a group or the whole account."""

    queryset = Downtime.objects.all()
    serializer_class = DowntimeSerializer
    filterset_class = DowntimeFilter


class TimePeriodViewSet(SLAViewSet):
    """Weekly time periods with date exceptions (e.g. business hours and holidays)."""

    queryset = TimePeriod.objects.all()
    serializer_class = TimePeriodSerializer
    filterset_fields = ["name"]


@with_create_example(SLA_EXAMPLE)
class SLADefinitionViewSet(SLAViewSet):
    """SLA definitions with their requirements inline."""

    queryset = SLADefinition.objects.all()
    serializer_class = SLADefinitionSerializer
    filterset_class = SLADefinitionFilter

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related("requirements")

    @extend_schema(
        parameters=[
            OpenApiParameter("service", int, description="service id (or give group)"),
            OpenApiParameter("group", int, description="SLA group id (or give service)"),
            *RESULT_PARAMETERS,
        ],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Per-period results of this SLA for any service or group, with their reasons."""
        sla = self.get_object()
        values = parse_results_query(request, default_last=None)
        subject = subject_from_query(self.account, values)
        return Response(
            results_payload(account=self.account, sla=sla, subject=subject, values=values)
        )


class AssignmentRuleViewSet(SLAViewSet):
    """Ordered rules; the first matching rule assigns its SLA (as in Checkmk)."""

    queryset = AssignmentRule.objects.all()
    serializer_class = AssignmentRuleSerializer
    filterset_class = AssignmentRuleFilter
