"""Native agreements API: /api/v1/agreements (list, create, detail, PATCH state, delete,
violations, KPIs, level timeline) and /api/v1/contexts (context values that resolve
scopes: ``PUT /api/v1/contexts/{agent_id}/{context}`` with an ``ingest`` token).

An agreement is addressed by its row id or its agreement id (``App01-NGXm...``); another
account's is a 404 either way."""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_base import AccountScopedMixin
from agreements.engine import AgreementError
from agreements.models import Agreement, Context
from agreements.payloads import kpi_payload
from agreements.serializers import (
    AgreementCreateSerializer,
    AgreementSerializer,
    AgreementStateSerializer,
    ContextResultSerializer,
    ContextSerializer,
    KpiSerializer,
    LevelChangeSerializer,
    ViolationSerializer,
)
from agreements.services.contexts import context_store
from agreements.services.definitions import agreement_create, agreement_state_set
from sla.api.common import json_body, raw_body

CONTEXT_MAX_BYTES = 256 * 1024


def refused(error: AgreementError) -> exceptions.ValidationError:
    """An engine or service refusal as the API's 400 naming the field."""
    return exceptions.ValidationError({error.field or "non_field_errors": [error.message]})


class AgreementViewSet(
    AccountScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Agreements with PromQL guarantees, assessed in the background (AGREEMENTS.md)."""

    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_fields = ["state", "level", "name", "service"]
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def optimize_queryset(self, queryset):
        return queryset.select_related("source", "service").prefetch_related("guarantees")

    def get_object(self):
        """By row id (digits) or agreement id; 404 outside the account."""
        value = str(self.kwargs["pk"])
        queryset = self.get_queryset()
        found = (
            queryset.filter(pk=int(value)).first()
            if value.isascii() and value.isdigit() and len(value) < 19
            else queryset.filter(agreement_id=value).first()
        )
        if found is None:
            raise exceptions.NotFound()
        return found

    @extend_schema(request=AgreementCreateSerializer, responses={201: AgreementSerializer})
    def create(self, request, *args, **kwargs):
        """Create an agreement: `started` when every scope resolves, else `paused`. The
        PromQL is checked by the agreement's Prometheus (its own message on the field)."""
        data = AgreementCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["expires_at"] = values.pop("expiration")
        try:
            agreement = agreement_create(account=self.account, **values)
        except AgreementError as error:
            raise refused(error) from None
        body = AgreementSerializer(self.optimize_queryset(Agreement.objects).get(pk=agreement.pk))
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AgreementStateSerializer, responses={200: AgreementSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change the state: `stopped` or `started` (counters never change; `expired` is
        final)."""
        agreement = self.get_object()
        data = AgreementStateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            agreement_state_set(
                account=self.account, agreement=agreement, state=data.validated_data["state"]
            )
        except AgreementError as error:
            raise refused(error) from None
        return Response(AgreementSerializer(self.get_object()).data)

    @extend_schema(responses={200: ViolationSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def violations(self, request, pk=None):
        """The agreement's violations, newest first."""
        agreement = self.get_object()
        rows = agreement.violations.select_related("guarantee").order_by("-at", "-pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ViolationSerializer(page, many=True).data)

    @extend_schema(responses={200: KpiSerializer})
    @action(detail=True, methods=["get"])
    def kpis(self, request, pk=None):
        """The agreement in the KPI shape of the original SLA Manager."""
        return Response(kpi_payload(self.get_object()))

    @extend_schema(responses={200: LevelChangeSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def levels(self, request, pk=None):
        """The agreement's level timeline (every change, oldest first)."""
        agreement = self.get_object()
        rows = agreement.level_changes.order_by("at", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LevelChangeSerializer(page, many=True).data)


CONTEXT_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="`<agent_id>/<context>` (e.g. `ColmenaAgent1/company_premises`); a GET also "
    "takes the row id",
)


class ContextViewSet(AccountScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Context values pushed by agents; a PUT re-resolves the scopes of the account's
    agreements that use the context (a paused agreement starts once all resolve)."""

    queryset = Context.objects.all()
    serializer_class = ContextSerializer
    filterset_fields = ["agent_id", "name"]
    lookup_value_regex = "[^/]+(?:/[^/]+)?"
    required_scopes = {"PUT": "ingest"}
    http_method_names = ["get", "put", "head", "options"]

    def get_object(self):
        value = str(self.kwargs["pk"])
        queryset = self.get_queryset()
        if "/" in value:
            agent_id, name = value.split("/", 1)
            found = queryset.filter(agent_id=agent_id, name=name).first()
        elif value.isascii() and value.isdigit() and len(value) < 19:
            found = queryset.filter(pk=int(value)).first()
        else:
            found = None
        if found is None:
            raise exceptions.NotFound()
        return found

    @extend_schema(parameters=[CONTEXT_PARAMETER], responses={200: ContextSerializer})
    def retrieve(self, request, pk=None):
        return Response(ContextSerializer(self.get_object()).data)

    @extend_schema(
        parameters=[CONTEXT_PARAMETER],
        request=OpenApiTypes.OBJECT,
        responses={
            200: ContextResultSerializer,
            400: OpenApiResponse(description="not a JSON object of strings"),
        },
        description="Store an agent's context value, a JSON object of strings such as "
        '`{"building": "Red", "floor": "22"}` (ingest scope).',
    )
    def update(self, request, pk=None):
        value = str(pk)
        if "/" not in value:
            raise exceptions.NotFound()
        agent_id, name = value.split("/", 1)
        body = json_body(raw_body(request, limit=CONTEXT_MAX_BYTES))
        try:
            with transaction.atomic():
                row, _, changed = context_store(
                    account=self.account, agent_id=agent_id, name=name, value=body,
                    now=timezone.now(),
                )  # fmt: skip
        except AgreementError as error:
            raise refused(error) from None
        data = dict(ContextSerializer(row).data, agreements_changed=changed)
        return Response(data)
