"""SLO API: SLOs with their budgets, burn rates, snapshots and reports; alert policies;
the error budget of an SLA group."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedViewSet
from sla.api.serializers_slo import (
    AlertPolicySerializer,
    BurnRateSerializer,
    SLOSerializer,
    SLOSnapshotsSerializer,
)
from sla.api.slo_status import status_json
from sla.engine.budget import burn_rate, to_float
from sla.models import SLO, AlertPolicy, ServiceGroup
from sla.models.slo import TIME_UNIT_SLI_KINDS
from sla.selectors.budgets import sla_requirement_budgets
from sla.selectors.definitions import sla_for_group
from sla.selectors.slo import (
    CURRENT_SLOT_KEY,
    lookback_sums,
    lookback_window_ranges,
    slo_list,
    slo_reports,
    slo_snapshots,
    slo_statuses,
    window_sums,
)
from sla.selectors.slo_windows import lookback_ranges, parse_duration
from sla.services.slo import alert_policy_save, slo_create, slo_update
from sla.sli_kinds import extra_statuses, stored_per_unit, unit_name
from slaportal.api.examples import SLO_EXAMPLE, with_create_example
from slaportal.api.pagination import PagePagination
from slaportal.api.params import id_param, instant_param, int_param


def _instant(request, name: str, default: dt.datetime) -> dt.datetime:
    value = instant_param(request, name)
    return default if value is None else value


@with_create_example(SLO_EXAMPLE)
class SLOViewSet(AccountScopedViewSet):
    """SLOs of the account; detail and list carry the current SLI, budget and alert state."""

    queryset = SLO.objects.all()
    serializer_class = SLOSerializer
    sla_feature_required = True
    filterset_fields = ["service", "group", "sli_kind"]

    def get_queryset(self):
        return slo_list(account=self.account)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        now = timezone.now()
        context = self.get_serializer_context() | {
            "now": now,
            "statuses": slo_statuses(account=self.account, slos=page, now=now),
            "extra_statuses": extra_statuses(account=self.account, slos=page, now=now),
        }
        return self.get_paginated_response(SLOSerializer(page, many=True, context=context).data)

    def perform_create(self, serializer):
        serializer.instance = slo_create(account=self.account, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = slo_update(
            account=self.account, slo=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "window", str, description="lookback: 5m ... 400d in 5-minute steps (default 1h)"
            )
        ],
        responses={200: BurnRateSerializer},
    )
    @action(detail=True, methods=["get"], url_path="burn-rate", url_name="burn-rate")
    def burn_rate(self, request, pk=None):
        """Burn rate over a lookback ending now: `?window=1h` (5m ... 400d, 5-minute steps)."""
        slo = self.get_object()
        text = request.query_params.get("window", "1h")
        try:
            lookback = parse_duration(text)
        except ValueError as error:
            raise ValidationError({"window": str(error)}) from None
        now = timezone.now()
        seconds = int(lookback.total_seconds())
        sums = window_sums(
            account=self.account,
            ranges=lookback_window_ranges(now, [seconds]),
            slo_ids=[slo.pk],
        ).get(slo.pk, {})
        good, total = lookback_sums(sums, seconds)
        with_current, complete = lookback_ranges(now, seconds)
        start, end = with_current if sums.get(CURRENT_SLOT_KEY, (0, 0))[1] else complete
        rate = burn_rate(target=slo.target, bad=total - good, total=total)
        timed = slo.sli_kind in TIME_UNIT_SLI_KINDS
        scale = stored_per_unit(slo.sli_kind)
        return Response(
            {
                "slo": slo.pk,
                "window": text,
                "window_seconds": int(lookback.total_seconds()),
                "start": start,
                "end": end,
                "good": good / scale,
                "total": total / scale,
                "bad": (total - good) / scale,
                "unit": "seconds" if timed else unit_name(slo.sli_kind),
                "burn_rate": to_float(rate),
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="default: 7 days back"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="default: now"),
            OpenApiParameter("resolution", str, enum=["1h", "1d"], description="default 1d"),
        ],
        responses={200: SLOSnapshotsSerializer},
    )
    @action(detail=True, methods=["get"], url_path="snapshots", url_name="snapshots")
    def snapshots(self, request, pk=None):
        """SLI and budget of the window ending at each hour or day in `?from=&to=`."""
        slo = self.get_object()
        now = timezone.now()
        end = _instant(request, "to", now)
        start = _instant(request, "from", end - dt.timedelta(days=7))
        resolution = request.query_params.get("resolution", "1d")
        steps = {"1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1)}
        if resolution not in steps:
            raise ValidationError({"resolution": "Give 1h or 1d."})
        if end <= start:
            raise ValidationError({"to": "Must be after from."})
        if end - start > dt.timedelta(days=31 if resolution == "1h" else 400):
            raise ValidationError({"from": "At most 31 days at 1h, 400 days at 1d."})
        points = slo_snapshots(
            account=self.account, slo=slo, start=start, end=end, now=now, step=steps[resolution]
        )
        return Response({"slo": slo.pk, "resolution": resolution, "points": points})


class SLOReportView(AccountScopedMixin, APIView):
    """SLO compliance per completed window: `?last=N` windows (1-24, default 3) per SLO."""

    queryset = SLO.objects.all()
    sla_feature_required = True

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "last", int, description="completed windows per SLO (1-24, default 3)"
            ),
            OpenApiParameter("slo", int, description="only this SLO"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        last = int_param(request, "last", default=3, minimum=1, maximum=24)
        slos = slo_list(account=self.account)
        slo_id = id_param(request, "slo")
        if slo_id is not None:
            slos = slos.filter(pk=slo_id)
        paginator = PagePagination()
        page = paginator.paginate_queryset(slos, request, view=self)
        rows = slo_reports(account=self.account, slos=page, now=timezone.now(), count=last)
        by_slo: dict[int, list] = {}
        for row in rows:
            by_slo.setdefault(row.pop("slo"), []).append(row)
        data = [
            {
                "id": slo.pk,
                "name": slo.name,
                "sli_kind": slo.sli_kind,
                "target": float(slo.target),
                "windows": [
                    {key: value for key, value in row.items() if key != "slo_name"}
                    for row in by_slo.get(slo.pk, [])
                ],
            }
            for slo in page
        ]
        return paginator.get_paginated_response(data)


class AlertPolicyViewSet(AccountScopedViewSet):
    """Burn-rate alert policies (window pairs and min-events guard) SLOs can point at."""

    queryset = AlertPolicy.objects.all()
    serializer_class = AlertPolicySerializer
    sla_feature_required = True

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related("windows")

    def _save(self, serializer, policy=None):
        data = dict(serializer.validated_data)
        windows = data.pop("windows", None)
        serializer.instance = alert_policy_save(
            account=self.account, policy=policy, windows=windows, **data
        )

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, policy=serializer.instance)


class GroupBudgetView(AccountScopedMixin, APIView):
    """Error budget of an SLA group: its assigned SLA's percentage requirements on the
    derived group timeline (current period), and the group's SLOs."""

    tenant_model = ServiceGroup
    sla_feature_required = True

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk):
        group = get_object_or_404(ServiceGroup.objects.for_account(self.account), pk=pk)
        now = timezone.now()
        sla = sla_for_group(account=self.account, group=group)
        requirements = []
        if sla is not None:
            requirements = [
                row.to_json()
                for row in sla_requirement_budgets(
                    account=self.account, sla=sla, group=group, now=now
                )
            ]
        slos = list(slo_list(account=self.account).filter(group=group))
        statuses = slo_statuses(account=self.account, slos=slos, now=now)
        return Response(
            {
                "group": {"id": group.pk, "name": group.name, "aggregation": group.aggregation},
                "sla": None if sla is None else {"id": sla.pk, "title": sla.title},
                "requirements": requirements,
                "slos": [
                    {"id": slo.pk, "name": slo.name, **status_json(statuses[slo.pk])}
                    for slo in slos
                ],
            },
            status=status.HTTP_200_OK,
        )
