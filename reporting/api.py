"""API of the reporting app: notification settings (webhooks, email recipients), the daily
reports and their files, and the dashboard's data (stats, period results, uptime trend)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedReadOnlyViewSet, AccountScopedViewSet
from reporting.models import DailyReport, EmailRecipient, WebhookEndpoint
from reporting.selectors.dashboard import assigned_pairs, period_results_rows, sla_assignments
from reporting.selectors.overview import dashboard_overview, overview_json
from reporting.selectors.trend import trend_json, uptime_trend
from reporting.serializers import (
    DailyReportSerializer,
    EmailRecipientSerializer,
    WebhookEndpointSerializer,
    WebhookSecretRotateSerializer,
)
from reporting.services.webhooks import webhook_secret_rotate
from reporting.views import report_file_response
from sla.models import ServiceGroup
from slaportal.api.pagination import PagePagination
from slaportal.api.params import id_param, int_param

MAX_LAST = 24
MAX_TREND_DAYS = 400


class WebhookEndpointViewSet(AccountScopedViewSet):
    """Webhook endpoints: signed JSON POSTs for the chosen event types (empty: all)."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    sla_feature_required = True

    @extend_schema(request=None, responses={200: WebhookSecretRotateSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="rotate-secret",
        url_name="rotate-secret",
        serializer_class=WebhookSecretRotateSerializer,
    )
    def rotate_secret(self, request, pk=None):
        """Replace the endpoint's signing secret with a new random one, returned this once;
        deliveries from now on (retries included) are signed with it."""
        webhook = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        secret = webhook_secret_rotate(account=self.account, webhook=webhook)
        return Response({"id": webhook.pk, "secret": secret})


class EmailRecipientViewSet(AccountScopedViewSet):
    """Email recipients of notifications of the chosen kinds (event types; empty: all)."""

    queryset = EmailRecipient.objects.all()
    serializer_class = EmailRecipientSerializer
    sla_feature_required = True


class DailyReportViewSet(AccountScopedReadOnlyViewSet):
    """Daily reports (newest first) with their checksums; `/json` and `/pdf` download the
    files."""

    queryset = DailyReport.objects.all()
    serializer_class = DailyReportSerializer
    sla_feature_required = True
    filterset_fields = ["day"]

    @extend_schema(
        responses={
            (200, "application/json"): {
                "type": "object",
                "description": "The daily report document (JSON Schema: "
                "reporting/schema/daily-report-v1.json), sent as an attachment.",
                "properties": {
                    "schema_version": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["sla.daily_report"]},
                    "account": {"type": "object"},
                    "day": {"type": "string", "format": "date"},
                },
                "required": ["schema_version", "kind", "day"],
            }
        }
    )
    @action(detail=True, methods=["get"], url_path="json", url_name="json")
    def json_file(self, request, pk=None):
        """The report's JSON file (schema reporting/schema/daily-report-v1.json)."""
        return report_file_response(self.get_object(), "json")

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf_file(self, request, pk=None):
        """The report's PDF file."""
        return report_file_response(self.get_object(), "pdf")


class DashboardStatsView(AccountScopedMixin, APIView):
    """Services by current state and open incidents; with the SLA feature on also SLAs at
    risk (WARN/CRIT/BROKEN in the current period), budget burn leaders (SLA requirements
    and SLOs) and the latest daily reports (`sla` is null when the feature is off)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        now = timezone.now()
        overview = dashboard_overview(account=self.account, now=now)
        return Response(overview_json(overview, account=self.account, now=now))


class DashboardPeriodResultsView(AccountScopedMixin, APIView):
    """Every rule-assigned service with its SLA's last N periods (`?last=`, 1-24, default
    6; `?sla=` one SLA), from the stored results, paginated by service path."""

    sla_feature_required = True

    @extend_schema(
        parameters=[
            OpenApiParameter("last", int, description="periods per service (1-24, default 6)"),
            OpenApiParameter("sla", int, description="only the services of this SLA"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        last = int_param(request, "last", default=6, minimum=1, maximum=MAX_LAST)
        sla_id = id_param(request, "sla")
        assignments = sla_assignments(account=self.account)
        pairs = assigned_pairs(assignments=assignments, sla_id=sla_id)
        paginator = PagePagination()
        page = paginator.paginate_queryset(pairs, request, view=self)
        rows = period_results_rows(
            account=self.account,
            assignments=assignments,
            pairs=page,
            now=timezone.now(),
            last=last,
        )
        response = paginator.get_paginated_response(rows)
        response.data["last"] = last
        return response


class DashboardTrendView(AccountScopedMixin, APIView):
    """Daily uptime of the SLA groups (`?group=` one group) over the last `?days=` days
    (1-400, default 30) up to today, in the account's time zone, with seconds per state.
    Without `group`, at most 8 groups: those with the lowest mean uptime."""

    @extend_schema(
        parameters=[
            OpenApiParameter("group", int, description="one SLA group (default: all)"),
            OpenApiParameter("days", int, description="1-400, default 30"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        days = int_param(request, "days", default=30, minimum=1, maximum=MAX_TREND_DAYS)
        group = None
        group_id = id_param(request, "group")
        if group_id is not None:
            group = get_object_or_404(ServiceGroup.objects.for_account(self.account), pk=group_id)
        trend = uptime_trend(account=self.account, now=timezone.now(), days=days, group=group)
        return Response(trend_json(trend, account=self.account))
