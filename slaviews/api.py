"""GET/POST /api/v1/sla-views, GET /api/v1/sla-views/{id}/results (paginated rows)."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_base import AccountScopedRelatedField, AccountScopedViewSet
from sla.models import ServiceGroup, SLADefinition
from slaportal.api.params import int_param
from slaviews.models import MAX_LAST_PERIODS, Grouping, SLAView
from slaviews.selectors import RESULT_STATES, ViewResults, sla_view_results
from slaviews.services import sla_view_save
from slaviews.validation import VIEW_STATES, ViewError, check_path_regex, check_ranges

DEFAULT_LAST_PERIODS = 6
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class PeriodRangeSerializer(serializers.Serializer):
    """A range of instants; every period of a column's SLA overlapping it is shown."""

    to = serializers.CharField(help_text="end (exclusive), ISO 8601 with offset")

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword: declared here so the JSON key is exactly "from".
        return {"from": serializers.CharField(help_text="start, ISO 8601 with offset"), **fields}


class ColumnSLAsField(serializers.ListField):
    """The view's column SLAs as ids, in order (read from its column rows)."""

    def get_attribute(self, instance):
        return [column.sla_id for column in instance.columns.all()]


class SLAViewSerializer(serializers.ModelSerializer):
    """A saved view; `columns` are the ids of its column-specific SLAs, in order."""

    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), allow_null=True, required=False
    )
    labels = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False
    )
    states = serializers.ListField(
        child=serializers.ChoiceField(choices=VIEW_STATES), required=False, max_length=5
    )
    ranges = PeriodRangeSerializer(many=True, required=False)
    last_periods = serializers.IntegerField(
        min_value=1, max_value=MAX_LAST_PERIODS, allow_null=True, required=False
    )
    columns = ColumnSLAsField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=20,
        help_text="Ids of column-specific SLAs (gold, silver, bronze ...), in order",
    )
    grouping = serializers.ChoiceField(choices=Grouping.choices, required=False)

    class Meta:
        model = SLAView
        fields = [
            "id",
            "name",
            "path_glob",
            "path_regex",
            "group",
            "labels",
            "states",
            "only_outages",
            "service_sla",
            "last_periods",
            "ranges",
            "grouping",
            "columns",
            "created_at",
            "updated_at",
        ]

    def validate_path_regex(self, value):
        return _checked(check_path_regex, value)

    def validate_ranges(self, value):
        return _checked(check_ranges, value)

    def validate_columns(self, value):
        account = self.context["account"]
        found = {
            sla.pk: sla for sla in SLADefinition.objects.for_account(account).filter(pk__in=value)
        }
        for index, sla_id in enumerate(value):
            if sla_id not in found:
                raise serializers.ValidationError(f"columns[{index}]: unknown SLA {sla_id}")
        if len(set(value)) != len(value):
            raise serializers.ValidationError("an SLA appears twice in columns")
        return [found[sla_id] for sla_id in value]

    def validate(self, attrs):
        last = attrs.get("last_periods", getattr(self.instance, "last_periods", None))
        ranges = attrs.get("ranges", getattr(self.instance, "ranges", None) or [])
        if last and ranges:
            raise serializers.ValidationError(
                {"ranges": ["Give last_periods or ranges, not both."]}
            )
        if not last and not ranges:
            attrs["last_periods"] = DEFAULT_LAST_PERIODS
        return attrs

    def _save(self, instance, validated_data):
        columns = validated_data.pop("columns", None)
        try:
            return sla_view_save(
                account=self.context["account"],
                view=instance,
                fields=validated_data,
                columns=columns,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None

    def create(self, validated_data):
        validated_data.pop("account", None)
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


def _checked(check, value):
    try:
        return check(value)
    except ViewError as error:
        raise serializers.ValidationError(f"{error.field}: {error.message}") from None


# --------------------------------------------------------------------------- results schema


class _CountsSerializer(serializers.Serializer):
    OK = serializers.IntegerField()
    WARN = serializers.IntegerField()
    CRIT = serializers.IntegerField()
    BROKEN = serializers.IntegerField()
    NODATA = serializers.IntegerField()


class _SummarySerializer(serializers.Serializer):
    met = serializers.IntegerField(help_text="periods not BROKEN (NODATA not counted)")
    broken = serializers.IntegerField()
    nodata = serializers.IntegerField()
    share_met = serializers.FloatField(allow_null=True, help_text="met / (met + broken)")


class _AggregateSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    worst = serializers.ChoiceField(choices=RESULT_STATES)
    counts = _CountsSerializer()


class _ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='"service" or "sla:<id>"')
    title = serializers.CharField()
    sla = serializers.IntegerField(allow_null=True, help_text="null: the service-specific SLA")
    aggregates = _AggregateSerializer(many=True, help_text="per period, over all rows")
    summary = _SummarySerializer(help_text="over all periods and rows")


class _PeriodStateSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=RESULT_STATES)


class _CellSerializer(serializers.Serializer):
    column = serializers.CharField()
    sla = serializers.IntegerField(allow_null=True, help_text="null: no SLA for this row")
    periods = _PeriodStateSerializer(many=True)
    summary = _SummarySerializer()


class _ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    path = serializers.CharField()
    name = serializers.CharField()


class _RowSerializer(serializers.Serializer):
    service = _ServiceRefSerializer()
    group = serializers.CharField(help_text="grouping key (SLA group name or path prefix)")
    cells = _CellSerializer(many=True)
    summary = _SummarySerializer(help_text="over every period of every column")


class SLAViewResultsSerializer(serializers.Serializer):
    view = serializers.IntegerField()
    columns = _ColumnSerializer(many=True)
    count = serializers.IntegerField(help_text="rows in the view (all pages)")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = _RowSerializer(many=True)


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _period_texts(periods: list, cache: dict) -> list[tuple[str, str]]:
    """The periods as ISO text, once per SLA's period list (shared by its rows)."""
    texts = cache.get(id(periods))
    if texts is None:
        texts = cache[id(periods)] = [(_instant(start), _instant(end)) for start, end in periods]
    return texts


def row_json(results: ViewResults, row, cache: dict | None = None) -> dict:
    from slaviews.selectors import summary

    cache = {} if cache is None else cache
    cells = []
    for column, (sla_id, periods, states) in zip(results.columns, row.cells, strict=True):
        texts = _period_texts(periods, cache)
        cells.append(
            {
                "column": column.key,
                "sla": sla_id,
                "periods": [
                    {"start": start, "end": end, "state": state}
                    for (start, end), state in zip(texts, states, strict=True)
                ],
                "summary": summary(states),
            }
        )
    return {
        "service": {"id": row.service.pk, "path": row.service.path, "name": row.service.name},
        "group": row.group,
        "cells": cells,
        "summary": summary(list(row.states())),
    }


def columns_json(results: ViewResults) -> list[dict]:
    return [
        {
            **column.as_dict(),
            "aggregates": [
                {**item, "start": _instant(item["start"]), "end": _instant(item["end"])}
                for item in aggregates
            ],
            "summary": column_summary,
        }
        for column, aggregates, column_summary in zip(
            results.columns, results.aggregates, results.column_summaries, strict=True
        )
    ]


def results_page_json(results: ViewResults, page: int, page_size: int) -> dict:
    count = len(results.rows)
    pages = max(1, -(-count // page_size))
    shown = results.rows[(page - 1) * page_size : page * page_size]
    cache: dict = {}
    return {
        "view": results.view.pk,
        "columns": columns_json(results),
        "count": count,
        "page": page,
        "pages": pages,
        "results": [row_json(results, row, cache) for row in shown],
    }


class SLAViewsViewSet(AccountScopedViewSet):
    """Saved SLA views: services x SLA columns x periods (Checkmk's SLA views)."""

    sla_feature_required = True
    queryset = SLAView.objects.all()
    serializer_class = SLAViewSerializer

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related("columns")

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="1-based page of rows"),
            OpenApiParameter(
                "page_size", int, description=f"rows per page (default {DEFAULT_PAGE_SIZE})"
            ),
        ],
        responses={200: SLAViewResultsSerializer},
    )
    @action(detail=True, methods=["get"], url_path="results")
    def results(self, request, pk=None):
        """Rows of one page; per column the aggregated result per period and the summary
        over all periods and rows (from stored period results; missing ones computed once)."""
        view = self.get_object()
        page = int_param(request, "page", default=1, minimum=1, maximum=10**6)
        page_size = int_param(
            request, "page_size", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE
        )
        results = sla_view_results(account=self.account, view=view, now=timezone.now())
        return Response(results_page_json(results, page, page_size))
