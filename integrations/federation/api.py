"""API of the federation: the account's portal link (sending side) and the endpoints a
plugin pushes to (receiving side, scope `ingest`), plus the list of reports, pushed and
local, side by side."""

import hmac

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from integrations.federation import protocol
from integrations.federation.inbound import PushRefused, federation_apply
from integrations.federation.models import PortalLink, PushedReport
from integrations.federation.selectors import reports_side_by_side
from reporting.services.notifications import SIGNATURE_HEADER, signature
from reporting.views import report_file_response
from sla.api.common import json_body, raw_body
from slaportal.api.errors import error_body


class PortalLinkSerializer(serializers.ModelSerializer):
    """The API key is write-only: `api_key_set` says whether one is stored."""

    api_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Token of the receiving account (scope ingest); blank: SLA_PORTAL_API_KEY",
    )
    api_key_set = serializers.SerializerMethodField()
    effective_url = serializers.SerializerMethodField()
    url_source = serializers.SerializerMethodField()

    class Meta:
        model = PortalLink
        fields = [
            "enabled",
            "url",
            "api_key",
            "api_key_set",
            "effective_url",
            "url_source",
            "timeout_seconds",
            "incidents_pushed_until",
            "updated_at",
        ]
        read_only_fields = ["incidents_pushed_until", "updated_at"]
        extra_kwargs = {"timeout_seconds": {"min_value": 1, "max_value": 300}}

    def get_api_key_set(self, link) -> bool:
        return bool(link.effective_api_key)

    def get_effective_url(self, link) -> str:
        return link.effective_url

    def get_url_source(self, link) -> str:
        """`account` (its own URL) or `deployment` (SLA_PORTAL_URL)."""
        return "deployment" if link.url_from_deployment else "account"

    def validate_api_key(self, value):
        if "\x00" in value or any(ch.isspace() for ch in value):
            raise serializers.ValidationError("No spaces or control characters.")
        return value


class PortalLinkView(AccountScopedMixin, APIView):
    """Where this account pushes its reports, states, incidents and downtimes."""

    serializer_class = PortalLinkSerializer
    http_method_names = ["get", "put", "patch", "delete", "options"]

    def _link(self):
        return PortalLink.objects.for_account(self.account).first()

    @extend_schema(
        operation_id="federation_portal_retrieve",
        responses={200: PortalLinkSerializer, 404: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        link = self._link()
        if link is None:
            raise exceptions.NotFound("This account does not push to a portal.")
        return Response(PortalLinkSerializer(link).data)

    def _save(self, request, partial: bool):
        link = self._link()
        serializer = PortalLinkSerializer(
            link, data=request.data, partial=partial, context={"account": self.account}
        )
        serializer.is_valid(raise_exception=True)
        link = serializer.save(account=self.account)
        return Response(PortalLinkSerializer(link).data)

    @extend_schema(
        operation_id="federation_portal_update",
        request=PortalLinkSerializer,
        responses={200: PortalLinkSerializer, 400: OpenApiTypes.OBJECT},
    )
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="federation_portal_partial_update",
        request=PortalLinkSerializer,
        responses={200: PortalLinkSerializer, 400: OpenApiTypes.OBJECT},
    )
    def patch(self, request):
        return self._save(request, partial=True)

    @extend_schema(
        operation_id="federation_portal_destroy",
        responses={204: None, 404: OpenApiTypes.OBJECT},
    )
    def delete(self, request):
        link = self._link()
        if link is None:
            raise exceptions.NotFound("This account does not push to a portal.")
        link.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


PUSH_RESPONSES = {
    200: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="applied, or a duplicate of an event applied before (`duplicate: true`)",
    ),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="bad push; nothing was changed"),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="no token, or a bad signature"),
    413: OpenApiResponse(OpenApiTypes.OBJECT, description="body too large"),
}


class BadSignature(exceptions.AuthenticationFailed):
    default_detail = "X-SLA-Signature does not match the body."


def _check_signature(request, body: bytes) -> None:
    """A signature, when sent, must be the HMAC of the body keyed with the token used."""
    sent = request.META.get("HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"))
    if sent is None:
        return
    token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[2].strip()
    if not hmac.compare_digest(sent.encode(), signature(token, body).encode()):
        raise BadSignature()


class FederationPushView(AccountScopedMixin, APIView):
    """A plugin's push of one event (protocol.py); subclasses name the event type."""

    required_scopes = {"POST": "ingest"}
    http_method_names = ["post", "options"]
    event_type = ""

    def post(self, request):
        body = raw_body(request, limit=settings.SLA_FEDERATION_MAX_BODY_BYTES)
        _check_signature(request, body)
        try:
            answer = federation_apply(
                account=self.account, event_type=self.event_type, body=json_body(body)
            )
        except PushRefused as error:
            return Response(
                error_body(
                    "validation_error", str(error), {error.field or "body": [error.message]}
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(answer)


def _push_schema(event_type: str, what: str):
    return extend_schema(
        operation_id=f"federation_{protocol.ENDPOINTS[event_type]}_push",
        request={"application/json": OpenApiTypes.OBJECT},
        responses=PUSH_RESPONSES,
        description=(
            f"Push {what} (event type `{event_type}`) from another SLA Portal deployment. "
            "Body: `{id, type, source, data}`; `id` makes it idempotent (a repeat changes "
            "nothing). Optional `X-SLA-Signature: sha256=<HMAC of the body keyed with the "
            'token>`. README "Federation" describes `data`.'
        ),
    )


class FederationEventsView(FederationPushView):
    """State changes of pushed services (status events), with their services and groups."""

    event_type = protocol.STATUS

    @_push_schema(protocol.STATUS, "state changes")
    def post(self, request):
        return super().post(request)


class FederationIncidentsView(FederationPushView):
    """Incidents opened or closed at the plugin."""

    event_type = protocol.INCIDENT

    @_push_schema(protocol.INCIDENT, "incidents opened and closed")
    def post(self, request):
        return super().post(request)


class FederationDowntimesView(FederationPushView):
    """A downtime created, changed or deleted at the plugin."""

    event_type = protocol.DOWNTIME

    @_push_schema(protocol.DOWNTIME, "a downtime")
    def post(self, request):
        return super().post(request)


class FederationReportsView(FederationPushView):
    """Daily reports: pushed ones arrive here (POST); GET lists them beside local ones."""

    event_type = protocol.REPORT
    http_method_names = ["get", "post", "options"]

    @_push_schema(
        protocol.REPORT, "a daily report (JSON, validated against daily-report-v1, and PDF)"
    )
    def post(self, request):
        return super().post(request)

    @extend_schema(
        operation_id="federation_reports_list",
        parameters=[
            OpenApiParameter("limit", int, description="At most this many (1-1000, default 100)")
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        description="The account's daily reports, its own (`source: local`) and pushed ones "
        "(`source`: the pushing account), newest day first.",
    )
    def get(self, request):
        raw = request.query_params.get("limit", "100")
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            raise exceptions.ValidationError({"limit": ["An integer from 1 to 1000."]})
        return Response({"results": reports_side_by_side(account=self.account, limit=int(raw))})


class FederationReportFileView(AccountScopedMixin, APIView):
    """A pushed daily report's file as the pushing deployment built it: `json` (schema
    daily-report-v1) or `pdf`; another account's report is a 404."""

    kind = ""
    tenant_model = PushedReport

    def get(self, request, pk):
        # Ids are integers: anything else is not found (not a 500 from the lookup).
        found = PushedReport.objects.for_account(self.account)
        report = found.filter(pk=int(pk)).first() if str(pk).isdigit() else None
        if report is None:
            raise exceptions.NotFound()
        return report_file_response(report, self.kind, filename_slug=report.source)


class FederationReportJsonView(FederationReportFileView):
    kind = "json"

    @extend_schema(
        operation_id="federation_reports_json",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            404: OpenApiResponse(description="No such pushed report in this account"),
        },
        description="The pushed report's JSON document (reporting/schema/daily-report-v1.json)"
        ", as an attachment with `X-Content-SHA256`; ids are those of `source` != `local` "
        "entries of `GET federation/reports`.",
    )
    def get(self, request, pk):
        return super().get(request, pk)


class FederationReportPdfView(FederationReportFileView):
    kind = "pdf"

    @extend_schema(
        operation_id="federation_reports_pdf",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such pushed report in this account"),
        },
        description="The pushed report's PDF, as an attachment with `X-Content-SHA256`.",
    )
    def get(self, request, pk):
        return super().get(request, pk)
