"""API: the account's audit log, and an SLA definition as it was in force at an instant."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView
from simple_history.models import registered_models

from accounts.context import api_account
from audit.models import AuditEntry
from audit.selectors import audit_entries, sla_definition_as_of, sla_has_history
from audit.serializers import AuditEntrySerializer, SLAAsOfSerializer
from sla.models import SLADefinition
from slaportal.api.params import id_param, instant_param, invalid


def audited_model_labels() -> list[str]:
    return sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in registered_models.values())


def _model_param(request) -> str | None:
    value = request.query_params.get("model") or None
    if value is not None and value not in audited_model_labels():
        raise invalid("model", "Give one of: " + ", ".join(audited_model_labels()) + ".")
    return value


class AuditLogView(generics.ListAPIView):
    """The account's audit log, newest first: who changed what, when, before and after.

    Every change of SLA definitions, requirements, assignment rules, time periods,
    downtimes, SLOs, burn-rate windows, alert policies, API tokens, memberships and status
    page settings. `actor` is "user NAME", "token NAME (PREFIX)" or "system" (a job)."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("model", str, description="`app.model`, e.g. `sla.sladefinition`."),
            OpenApiParameter("object_id", int, description="One object's entries."),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="At or after."),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="Before."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        request = self.request
        since, until = instant_param(request, "since"), instant_param(request, "until")
        if since is not None and until is not None and until <= since:
            raise invalid("until", "Must be after since.")
        return audit_entries(
            account=api_account(request),
            model=_model_param(request),
            object_id=id_param(request, "object_id"),
            since=since,
            until=until,
        )


class SLAAsOfView(APIView):
    """An SLA definition and its requirements as they were in force at `at`.

    A period result computed at `computed_at` was judged against `GET
    /api/v1/slas/{id}/as-of?at=<computed_at>`; `version` is the row of the model's history
    table. 404 when the SLA did not exist then (or before the audit log was installed)."""

    sla_feature_required = True
    tenant_model = SLADefinition

    @extend_schema(
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="The SLA's id."),
            OpenApiParameter("at", OpenApiTypes.DATETIME, required=True, description="Instant."),
        ],
        responses=SLAAsOfSerializer,
    )
    def get(self, request, pk):
        account = api_account(request)
        sla_id = id_param_value(pk)
        if not sla_has_history(account=account, sla_id=sla_id):
            raise Http404  # another account's SLA (or none) before looking at the query
        at = instant_param(request, "at")
        if at is None:
            raise exceptions.ValidationError({"at": ["This parameter is required."]})
        found = sla_definition_as_of(account=account, sla_id=sla_id, at=at)
        if found is None:
            raise Http404
        return Response(SLAAsOfSerializer(found).data)


def id_param_value(pk: str) -> int:
    text = str(pk)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 2**63 - 1:
        raise Http404
    return int(text)
