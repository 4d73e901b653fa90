"""API of the Prometheus integration: sources (with a connection test), status rules, the
Alertmanager receiver and its settings, generated rules, the Grafana dashboard, /metrics."""

import json

from django.db.models import ProtectedError
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedViewSet
from accounts.models import Account
from accounts.selectors import token_for_secret
from integrations.prometheus.export import metrics_text, operator_token_matches
from integrations.prometheus.generated import grafana_dashboard, slo_rules_yaml
from integrations.prometheus.models import (
    AlertmanagerSettings,
    PrometheusSource,
    PrometheusStatusRule,
)
from integrations.prometheus.serializers import (
    AlertmanagerSettingsSerializer,
    PrometheusSourceSerializer,
    PrometheusStatusRuleSerializer,
    SourceCheckSerializer,
)
from integrations.prometheus.services.alertmanager import PayloadError, alertmanager_receive
from integrations.prometheus.services.sources import source_check
from sla.api.common import json_body, media_type, raw_body
from sla.models import SLO
from slaportal.api.errors import error_body, in_use_conflict

RECEIVER_MAX_BYTES = 4 * 1024 * 1024


def _refuse_protected(error: ProtectedError, what: str):
    raise in_use_conflict(error, what) from None


class PrometheusSourceViewSet(AccountScopedViewSet):
    """Prometheus data sources (secrets write-only); `POST .../{id}/test` runs vector(1)."""

    queryset = PrometheusSource.objects.all()
    serializer_class = PrometheusSourceSerializer

    @extend_schema(responses={204: None, 409: OpenApiTypes.OBJECT})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as error:
            _refuse_protected(error, f"Source {instance.name!r}")

    @extend_schema(request=None, responses={200: SourceCheckSerializer})
    @action(detail=True, methods=["post"], url_path="test", url_name="test")
    def test(self, request, pk=None):
        """Run `vector(1)` on the source: `{"ok": true, "version"}` or `{"ok": false,
        "error"}` with the exact error (unreachable, refused address, HTTP status,
        Prometheus' error, timeout)."""
        source = self.get_object()
        if not isinstance(request.data, dict) or request.data:
            raise exceptions.ValidationError({"non_field_errors": ["The test takes no body."]})
        return Response(source_check(account=self.account, source=source))


class PrometheusStatusRuleViewSet(AccountScopedViewSet):
    """Status rules: a service's state from PromQL, evaluated every minute."""

    queryset = PrometheusStatusRule.objects.all()
    serializer_class = PrometheusStatusRuleSerializer
    filterset_fields = ["service", "source", "enabled"]

    def optimize_queryset(self, queryset):
        return queryset.select_related("service", "source")


class AlertmanagerReceiverView(AccountScopedMixin, APIView):
    """Alertmanager's webhook (payload version 4), with a token of scope `ingest`."""

    required_scopes = {"POST": "ingest"}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="malformed payload"),
            413: OpenApiTypes.OBJECT,
            415: OpenApiTypes.OBJECT,
        },
        description="Point an Alertmanager webhook_config here (http_config.authorization "
        "with an ingest token). Firing alerts open, resolved ones close, per service label; "
        "repeats are duplicates.",
    )
    def post(self, request):
        if media_type(request) not in ("application/json", ""):
            raise exceptions.UnsupportedMediaType(request.content_type)
        payload = json_body(raw_body(request, limit=RECEIVER_MAX_BYTES))
        try:
            result = alertmanager_receive(account=self.account, payload=payload)
        except PayloadError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from None
        body = result.as_dict()
        if result.received and result.rejected == result.received:
            first = result.errors[0]
            message = f"alerts[{first['index']}].{first['field']}: {first['error']}"
            fields = {
                f"alerts[{error['index']}].{error['field']}": [error["error"]]
                for error in result.errors
            }
            return Response(
                error_body("validation_error", message, fields) | body,
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(body)


class AlertmanagerSettingsView(AccountScopedMixin, APIView):
    """How the account maps Alertmanager alerts to services and states."""

    serializer_class = AlertmanagerSettingsSerializer

    @extend_schema(responses={200: AlertmanagerSettingsSerializer})
    def get(self, request):
        found = AlertmanagerSettings.objects.for_account(self.account).first()
        config = found or AlertmanagerSettings(account=self.account)
        return Response(AlertmanagerSettingsSerializer(config).data)

    @extend_schema(
        request=AlertmanagerSettingsSerializer,
        responses={200: AlertmanagerSettingsSerializer, 400: OpenApiTypes.OBJECT},
    )
    def patch(self, request):
        found = AlertmanagerSettings.objects.for_account(self.account).first()
        serializer = AlertmanagerSettingsSerializer(
            found, data=request.data, partial=True, context={"account": self.account}
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class SLOPrometheusRulesView(AccountScopedMixin, APIView):
    """Sloth-style recording and multi-window alerting rules of a PromQL SLO (YAML)."""

    tenant_model = SLO
    sla_feature_required = True

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            (200, "application/yaml"): OpenApiTypes.STR,
            400: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
        },
    )
    def get(self, request, pk):
        slo = get_object_or_404(
            SLO.objects.for_account(self.account).select_related("service", "account"), pk=pk
        )
        if slo.sli_kind != "prometheus" or not hasattr(slo, "promql"):
            raise exceptions.ValidationError(
                {"sli_kind": ["Rules are generated for SLOs of kind prometheus only."]}
            )
        return HttpResponse(slo_rules_yaml(slo), content_type="application/yaml; charset=utf-8")


class GrafanaDashboardView(AccountScopedMixin, APIView):
    """An importable Grafana dashboard over the series of GET /metrics."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(grafana_dashboard())


def _unauthorized(message: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error_body("not_authenticated", message)),
        status=401,
        content_type="application/json",
    )
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def metrics_view(request):
    """GET /metrics: `Authorization: Bearer <token>` with an account token of scope
    `metrics` (that account's series) or SLA_METRICS_TOKEN (every account, plus the
    process's own health)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    header = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(header) != 2 or header[0].lower() != "bearer":
        return _unauthorized("Send Authorization: Bearer <token> (a metrics token).")
    secret = header[1]
    now = timezone.now()
    if operator_token_matches(secret):
        body = metrics_text(accounts=Account.objects.order_by("slug"), now=now, operator=True)
    else:
        token = token_for_secret(secret=secret)
        if token is None or not token.has_scope("metrics"):
            return _unauthorized("Invalid token, or one without the 'metrics' scope.")
        accounts = Account.objects.filter(pk=token.account_id)
        body = metrics_text(accounts=accounts, now=now, operator=False)
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
