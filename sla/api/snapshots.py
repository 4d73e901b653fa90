"""Uptime snapshot API: `/api/v1/services/{id}/snapshots` and `/api/v1/groups/{id}/snapshots`
(`?from=&to=&resolution=5m|1h|1d`; hours and days in the account's time zone)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response

from accounts.api_base import AccountScopedMixin
from sla.models import Service, ServiceGroup
from sla.selectors.snapshots import DEFAULT_SPAN, MAX_SPAN, RESOLUTIONS, snapshot_series
from slaportal.api.params import choice_param, range_params

PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATETIME, description="default: `to` minus 1d/7d/90d"),
    OpenApiParameter("to", OpenApiTypes.DATETIME, description="default: now"),
    OpenApiParameter("resolution", OpenApiTypes.STR, enum=list(RESOLUTIONS), default="5m"),
]


class _SnapshotView(AccountScopedMixin, generics.GenericAPIView):
    subject_field = ""

    def subject_json(self, subject) -> dict:
        raise NotImplementedError

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        subject = self.get_object()
        resolution = choice_param(request, "resolution", {key: key for key in RESOLUTIONS}) or "5m"
        start, end = range_params(request)
        end = end or timezone.now()
        start = start or end - DEFAULT_SPAN[resolution]
        if end <= start:
            raise exceptions.ValidationError({"from": ["Must be before 'to'."]})
        if end - start > MAX_SPAN[resolution]:
            raise exceptions.ValidationError(
                {"from": [f"At most {MAX_SPAN[resolution].days} days at resolution {resolution}."]}
            )
        buckets = snapshot_series(
            account=self.account,
            subject={self.subject_field: subject},
            start=start,
            end=end,
            resolution=resolution,
        )
        return Response(
            {
                **self.subject_json(subject),
                "resolution": resolution,
                "from": start,
                "to": end,
                "timezone": self.account.timezone,
                "buckets": buckets,
            }
        )


class ServiceSnapshotsView(_SnapshotView):
    """Seconds per state (and in downtime) of a service per bucket."""

    queryset = Service.objects.all()
    subject_field = "service"

    def subject_json(self, subject) -> dict:
        return {"service": {"id": subject.pk, "path": subject.path}}


class GroupSnapshotsView(_SnapshotView):
    """Seconds per state (and in downtime) of an SLA group per bucket."""

    queryset = ServiceGroup.objects.all()
    subject_field = "group"

    def subject_json(self, subject) -> dict:
        return {"group": {"id": subject.pk, "name": subject.name}}
