"""Status ingest API (`/api/v1/events`) and service config import (`/services/import`).

POST /events takes one event object, a list, or `{"events": [...]}` (at most
SLA_INGEST_MAX_BATCH items) with a token of scope `ingest`. The body is parsed and
validated here without a serializer per item (speed); `events_ingest` does the rest.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from sla.api.common import BatchTooLarge, json_body, media_type, raw_body
from sla.engine.states import STATE_ALIASES, STATES
from sla.models import StatusEvent
from sla.services.imports import ImportSyntaxError, services_import, services_yaml_documents
from sla.services.ingest import CONFLICT, events_ingest
from slaportal.api.errors import error_body
from slaportal.api.params import choice_param, id_param, range_params

IMPORT_MAX_BYTES = 1024 * 1024
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
STATE_FILTER = {**{state.lower(): state for state in STATES}, **STATE_ALIASES}


class StatusEventSerializer(serializers.ModelSerializer):
    service_path = serializers.CharField(source="service.path", read_only=True)
    event_id = serializers.SerializerMethodField(help_text="The agent's id, if it sent one")

    class Meta:
        model = StatusEvent
        fields = [
            "id",
            "service",
            "service_path",
            "at",
            "state",
            "message",
            "flapping",
            "event_id",
            "received_at",
        ]
        read_only_fields = fields

    def get_event_id(self, event) -> str | None:
        return event.dedup_key[3:] if event.dedup_key.startswith("id:") else None


class EventPagination(CursorPagination):
    """Cursor pages (no COUNT over millions of events), newest received first."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


INGEST_EXAMPLE = {
    "events": [
        {"service": "payment/api", "at": "2024-03-04T10:00:00Z", "state": "OK", "id": "a-1"},
        {"service": "payment/api", "at": "2024-03-04T10:05:00Z", "state": "DEGRADED"},
    ]
}
RESULT_EXAMPLE = {
    "received": 3,
    "accepted": 2,
    "new": 1,
    "duplicates": 1,
    "rejected": 1,
    "conflicts": 0,
    "errors": [{"index": 2, "field": "state", "error": "unknown state 'BROKEN'; ..."}],
    "services_created": [],
}


def _items(payload) -> tuple[list, bool]:
    """(items, single) from an event object, a list or {"events": [...]}."""
    if isinstance(payload, list):
        return payload, False
    if isinstance(payload, dict):
        if "events" in payload:
            if not isinstance(payload["events"], list):
                raise exceptions.ValidationError({"events": ["Must be a list of events."]})
            return payload["events"], False
        return [payload], True
    raise exceptions.ValidationError(
        {"non_field_errors": ['Send an event object, a list of events or {"events": [...]}.']}
    )


def _rejected_response(result, single: bool) -> Response:
    fields: dict[str, list[str]] = {}
    for error in result.errors:
        path = error["field"] if single else f"events[{error['index']}].{error['field']}"
        fields.setdefault(path.rstrip(".") or "non_field_errors", []).append(error["error"])
    first = result.errors[0]
    where = first["field"] or "item"
    if not single:
        where = f"events[{first['index']}].{first['field']}".rstrip(".")
    # Every item's id already names another event: a 409 conflict, else a 400.
    conflict = all(error.get("code") == CONFLICT for error in result.errors)
    code = "conflict" if conflict else "validation_error"
    body = error_body(code, f"{where}: {first['error']}", fields)
    body.update(result.as_dict())
    return Response(
        body, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST
    )


class EventViewSet(
    AccountScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Status events: push (scope `ingest`), list and show (scope `read`)."""

    queryset = StatusEvent.objects.all()
    serializer_class = StatusEventSerializer
    pagination_class = EventPagination
    required_scopes = {"POST": "ingest"}
    http_method_names = ["get", "post", "head", "options"]

    def optimize_queryset(self, queryset):
        return queryset.select_related("service")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        service = id_param(self.request, "service")
        if service is not None:
            queryset = queryset.filter(service_id=service)
        path = self.request.query_params.get("service_path")
        if path:
            queryset = queryset.filter(service__path=path.replace("\x00", ""))
        state = choice_param(self.request, "state", STATE_FILTER)
        if state is not None:
            queryset = queryset.filter(state=state)
        start, end = range_params(self.request)
        if start is not None:
            queryset = queryset.filter(at__gte=start)
        if end is not None:
            queryset = queryset.filter(at__lt=end)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, description="service id"),
            OpenApiParameter("service_path", OpenApiTypes.STR),
            OpenApiParameter("state", OpenApiTypes.STR, description="OK, WARN, CRIT, UNKNOWN"),
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="at >= from"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="at < to"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
            413: OpenApiTypes.OBJECT,
        },
        examples=[
            OpenApiExample("batch", value=INGEST_EXAMPLE, request_only=True),
            OpenApiExample("result", value=RESULT_EXAMPLE, response_only=True),
        ],
        description=(
            'Push one event, a list, or {"events": [...]} (at most SLA_INGEST_MAX_BATCH). '
            "Each item: service (path), at (ISO 8601 with offset), state (OK, WARN, CRIT, "
            "UNKNOWN or an alias), optional message, id and flapping (true/false: the "
            "monitoring core's flap flag, kept until an event sets it otherwise). Valid "
            "items are stored once "
            "(same id, or same service+at+state); rejected ones are listed by index. An id "
            "names one event of the account: reused for another service, instant or state "
            'it is rejected (code "conflict"); a 409 when every item was such a conflict.'
        ),
    )
    def create(self, request, *args, **kwargs):
        if media_type(request) not in ("application/json", ""):
            raise exceptions.UnsupportedMediaType(request.content_type)
        body = raw_body(request, limit=settings.SLA_INGEST_MAX_BODY_BYTES)
        payload = json_body(body, text_checked_per_item=True)  # events_validate does
        items, single = _items(payload)
        limit = settings.SLA_INGEST_MAX_BATCH
        if len(items) > limit:
            raise BatchTooLarge(f"A batch holds at most {limit} events; this one has {len(items)}.")
        if not items:
            raise exceptions.ValidationError({"events": ["The batch is empty."]})
        result = events_ingest(account=self.account, items=items)
        if result.accepted == 0:
            return _rejected_response(result, single)
        return Response(result.as_dict(), status=status.HTTP_200_OK)


class ServiceImportView(AccountScopedMixin, APIView):
    """Create or update services (and their SLA groups) from YAML service documents."""

    @extend_schema(
        request={"application/yaml": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        description=(
            'Body: YAML (application/yaml or text/yaml) or JSON {"yaml": "..."}. '
            "Documents: path, optional slaGroup, name, labels; several with ---, or a list. "
            "All or nothing: any error rejects the import and lists every error."
        ),
    )
    def post(self, request):
        data = raw_body(request, limit=IMPORT_MAX_BYTES)
        kind = media_type(request)
        if kind in YAML_TYPES:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise exceptions.ParseError("The YAML body must be UTF-8.") from None
        elif kind in ("application/json", ""):
            payload = json_body(data)
            if not isinstance(payload, dict) or not isinstance(payload.get("yaml"), str):
                raise exceptions.ValidationError({"yaml": ['Send {"yaml": "<documents>"}.']})
            text = payload["yaml"]
        else:
            raise exceptions.UnsupportedMediaType(request.content_type)
        try:
            documents = services_yaml_documents(text)
        except ImportSyntaxError as error:
            raise exceptions.ParseError(str(error)[:500]) from None
        if not documents:
            raise exceptions.ValidationError({"yaml": ["No service documents found."]})
        result = services_import(account=self.account, documents=documents)
        if result.errors:
            fields: dict[str, list[str]] = {}
            for error in result.errors:
                path = f"documents[{error['index']}].{error['field']}".rstrip(".")
                fields.setdefault(path, []).append(error["error"])
            first_path, first = next(iter(fields.items()))
            body = error_body("validation_error", f"{first_path}: {first[0]}", fields)
            body.update(result.as_dict())
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())
