"""API of the Vector integration: sources (with rules) and the endpoint the sink posts to."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedRelatedField, AccountScopedViewSet
from accounts.selectors import token_for_secret_with_row
from integrations.vector.models import VectorRule, VectorSource
from integrations.vector.records import BodyError, BodyTooLarge, UnsupportedEncoding, decode_body
from integrations.vector.selectors import vector_source_for_batch
from integrations.vector.services import vector_batch_ingest, vector_source_save
from sla.api.common import PayloadTooLarge, media_type, raw_body
from sla.models import Service
from slaportal.api.errors import error_body

_NOT_READ = object()
MEDIA_TYPES = {
    "": "application/json",
    "application/json": "application/json",
    "application/x-ndjson": "application/x-ndjson",
    "application/ndjson": "application/x-ndjson",
    "application/jsonl": "application/x-ndjson",
    "application/x-jsonlines": "application/x-ndjson",
    "text/plain": "text/plain",
}


class UnsupportedContentEncoding(exceptions.APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Unsupported Content-Encoding."
    default_code = "unsupported_media_type"


class VectorRuleSerializer(serializers.ModelSerializer):
    service = AccountScopedRelatedField(queryset=Service.objects.all())

    class Meta:
        model = VectorRule
        fields = ["kind", "field", "value", "service"]


class VectorSourceSerializer(serializers.ModelSerializer):
    rules = VectorRuleSerializer(many=True, required=False)
    default_service = AccountScopedRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True
    )
    records_url = serializers.SerializerMethodField(help_text="Where the sink posts (uri)")

    class Meta:
        model = VectorSource
        fields = [
            "id",
            "name",
            "log_format",
            "latency",
            "default_service",
            "rules",
            "records_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_records_url(self, source) -> str:
        return f"{settings.SLA_PUBLIC_BASE_URL}/api/v1/vector-sources/{source.pk}/records"

    def validate_name(self, value):
        taken = VectorSource.objects.for_account(self.context["account"]).filter(name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A source with this name exists.")
        return value

    def validate_rules(self, value):
        if len(value) > 200:
            raise serializers.ValidationError("At most 200 rules.")
        return value


class VectorSourceViewSet(AccountScopedViewSet):
    """Vector sources: how each sink's records are read and mapped to services."""

    queryset = VectorSource.objects.all()
    serializer_class = VectorSourceSerializer

    def optimize_queryset(self, queryset):
        return queryset.prefetch_related("rules")

    def _save(self, serializer, source=None):
        data = dict(serializer.validated_data)
        rules = data.pop("rules", None)
        serializer.instance = vector_source_save(
            account=self.account, source=source, rules=rules, **data
        )

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, source=serializer.instance)


RESULT_EXAMPLE = {
    "received": 1000,
    "counted": 999,
    "rejected": 1,
    "buckets": 2,
    "duplicate": False,
    "batch": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "errors": [
        {"index": 17, "line": 18, "field": "status", "error": "status '0' is outside 100-599"}
    ],
    "errors_listed": 1,
}


class VectorRecordsView(AccountScopedMixin, APIView):
    """The endpoint of a Vector `http` sink (scope `ingest`)."""

    tenant_model = VectorSource
    required_scopes = {"POST": "ingest"}
    http_method_names = ["post", "options"]

    def token_lookup(self, request, secret: str):
        """The token and, in the same query, the source the path names (a round trip less
        per batch; another account's source is None, a 404)."""
        token, source = token_for_secret_with_row(
            secret=secret, model=VectorSource, pk=_source_id(str(self.kwargs.get("pk", "")))
        )
        request.vector_source = source
        return token

    @extend_schema(
        operation_id="vector_source_records",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/x-ndjson": OpenApiTypes.STR,
            "text/plain": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="counted (or a duplicate)"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="nothing could be counted"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="no such source"),
            413: OpenApiResponse(OpenApiTypes.OBJECT, description="body too large"),
            415: OpenApiResponse(OpenApiTypes.OBJECT, description="content type or encoding"),
        },
        examples=[OpenApiExample("result", value=RESULT_EXAMPLE, response_only=True)],
        description=(
            "What Vector's http sink sends, as it is: a JSON array (codec json), NDJSON "
            "(framing newline_delimited) or text lines (codec text), optionally gzip or "
            "deflate (Content-Encoding). Records: parsed nginx records (timestamp, status, "
            "request_time ...) or raw lines (message). Counted per minute of the log's own "
            "time; a body seen before counts once; bad records are listed."
        ),
    )
    def post(self, request, pk):
        source = getattr(request, "vector_source", _NOT_READ)
        if source is _NOT_READ:  # pragma: no cover - SinkTokenAuthentication reads it
            source = vector_source_for_batch(account=self.account, source_id=_source_id(pk))
        if source is None:
            raise exceptions.NotFound()
        kind = MEDIA_TYPES.get(media_type(request))
        if kind is None:
            raise exceptions.UnsupportedMediaType(request.content_type)
        limit = settings.SLA_VECTOR_MAX_BODY_BYTES
        raw = raw_body(request, limit=limit)
        body = _decoded(raw, request.META.get("HTTP_CONTENT_ENCODING", ""), limit)
        if not body.strip():
            raise exceptions.ValidationError({"records": ["The batch is empty."]})
        try:
            result = vector_batch_ingest(
                account=self.account, source=source, body=body, media_type=kind
            )
        except BodyError as error:  # a JSON array that does not parse as a whole
            raise exceptions.ParseError(str(error)) from None
        if result.stored:
            return Response(result.data)
        return _nothing_counted(result.data)


def _source_id(pk: str) -> int | None:
    """The path's id as the ORM reads it (int()), None when it is no id (then 404)."""
    try:
        return int(pk)
    except ValueError:
        return None


def _decoded(raw: bytes, content_encoding: str, limit: int) -> bytes:
    try:
        return decode_body(raw, content_encoding, limit)
    except BodyTooLarge as error:
        raise PayloadTooLarge(str(error)) from None
    except UnsupportedEncoding as error:
        raise UnsupportedContentEncoding(str(error)) from None
    except BodyError as error:
        raise exceptions.ParseError(str(error)) from None


def _nothing_counted(data: dict) -> Response:
    fields: dict[str, list[str]] = {}
    for error in data["errors"]:
        path = f"records[{error['index']}].{error['field']}".rstrip(".")
        fields.setdefault(path, []).append(error["error"])
    first = data["errors"][0] if data["errors"] else None
    message = "No record could be counted."
    if first is not None:
        message = f"{next(iter(fields))}: {first['error']}"
    body = error_body("validation_error", message, fields) | data
    return Response(body, status=status.HTTP_400_BAD_REQUEST)
