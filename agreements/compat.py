"""The original SLA Manager's REST interface under ``/sla-manager/api/v1/`` (its README is
``reference/004_720cdfc0e8972c92.txt``), with SLA Portal's token auth, so its tooling keeps
working: ``POST sla`` (a service descriptor), ``GET slas``, ``GET slas/{service id}``,
``GET sla/{id}``, ``DELETE sla/{id}``, ``GET kpis``, ``GET kpis/{service id}``,
``GET kpi/{id}``. Every answer, errors included, is the envelope
``{"Message", "Method", "Resp": "ok"|"error", "Response"}``.

A descriptor gives one agreement per ``dockerRoleDefinitions[]`` entry with KPIs (each KPI
a guarantee named after the role) plus one for the top-level ``kpis`` (guarantees named
after the service id). Everything is checked before anything is stored.
"""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.context import api_account
from agreements.engine import AgreementError
from agreements.models import Agreement
from agreements.payloads import kpi_payload, sla_payload
from agreements.selectors import agreement_by_id, agreements_of
from agreements.services.definitions import agreement_draft, agreements_store
from sla.api.common import json_body, raw_body
from slaportal.api.errors import json_exception_handler

DESCRIPTOR_MAX_BYTES = 1024 * 1024
MAX_ROLES = 200


def envelope(method: str, message: str, response, *, ok: bool = True) -> dict:
    return {"Message": message, "Method": method, "Resp": "ok" if ok else "error",
            "Response": response}  # fmt: skip


def envelope_exception_handler(exc, context):
    """The project's JSON error, kept inside the envelope with the same status."""
    response = json_exception_handler(exc, context)
    if response is None:
        return None
    view = context.get("view")
    body = response.data if isinstance(response.data, dict) else {}
    details = {key: value for key, value in body.items() if key != "message"}
    response.data = envelope(
        _method_name(view, context.get("request")),
        str(body.get("message", "error")),
        details or None,
        ok=False,
    )
    return response


def _method_name(view, request) -> str:
    names = getattr(view, "method_names", {}) if view is not None else {}
    method = getattr(request, "method", "GET") if request is not None else "GET"
    return names.get(method, "")


@extend_schema(exclude=True)
class CompatView(APIView):
    """Base of the compatibility views: envelope errors, the request's account."""

    method_names: dict[str, str] = {}

    def get_exception_handler(self):
        return envelope_exception_handler

    @property
    def account(self):
        return api_account(self.request)


def _not_found(method: str, what: str) -> Response:
    return Response(
        envelope(method, f"{what} not found", None, ok=False), status=status.HTTP_404_NOT_FOUND
    )


class SlaCreateView(CompatView):
    """POST sla: a service descriptor."""

    method_names = {"POST": "CreateSLA"}

    def post(self, request):
        descriptor = json_body(raw_body(request, limit=DESCRIPTOR_MAX_BYTES))
        now = timezone.now()
        try:
            drafts = [
                _draft(self.account, now, wanted) for wanted in descriptor_agreements(descriptor)
            ]
        except AgreementError as error:
            raise exceptions.ValidationError(
                {error.field or "descriptor": [error.message]}
            ) from None
        with transaction.atomic():
            agreements = agreements_store(drafts=drafts)
        created = [sla_payload(a) for a in _reloaded(self.account, agreements)]
        return Response(
            envelope("CreateSLA", "Objects created", created), status=status.HTTP_201_CREATED
        )


def _reloaded(account, agreements: list[Agreement]):
    return agreements_of(account=account).filter(pk__in=[a.pk for a in agreements])


def descriptor_agreements(descriptor) -> list[dict]:
    """The agreements a service descriptor asks for: ``{"name", "guarantees", "where"
    (the KPIs' field), "role"}``; ``AgreementError`` naming the descriptor's field."""
    if not isinstance(descriptor, dict):
        raise AgreementError("descriptor", "give a service descriptor object")
    identity = descriptor.get("id")
    service_id = identity.get("value") if isinstance(identity, dict) else None
    if not isinstance(service_id, str) or not service_id.strip():
        raise AgreementError("id.value", 'give the service id: {"id": {"value": "App01"}}')
    roles = descriptor.get("dockerRoleDefinitions") or []
    if not isinstance(roles, list) or len(roles) > MAX_ROLES:
        raise AgreementError("dockerRoleDefinitions", f"give a list of at most {MAX_ROLES} roles")
    wanted = []
    for index, role in enumerate(roles):
        where = f"dockerRoleDefinitions[{index}]"
        if not isinstance(role, dict):
            raise AgreementError(where, "give a role object")
        role_id = role.get("id")
        if not isinstance(role_id, str) or not role_id.strip():
            raise AgreementError(f"{where}.id", "give the role id")
        guarantees = _guarantees(role.get("kpis"), role_id, f"{where}.kpis")
        if guarantees:
            wanted.append((f"{where}.kpis", role_id, guarantees))
    top = _guarantees(descriptor.get("kpis"), service_id, "kpis")
    if top:
        wanted.append(("kpis", service_id, top))
    if not wanted:
        raise AgreementError(
            "dockerRoleDefinitions", "no role has kpis (and kpis is empty): nothing to assess"
        )
    return [
        {"name": service_id, "guarantees": guarantees, "where": where, "role": role}
        for where, role, guarantees in wanted
    ]


def _draft(account, now, wanted: dict):
    """One agreement's draft; a guarantee's error named by the descriptor's KPI field and
    its role (``dockerRoleDefinitions[1].kpis[0].query: role Processing02: ...``)."""
    try:
        return agreement_draft(
            account=account, now=now, name=wanted["name"], guarantees=wanted["guarantees"]
        )
    except AgreementError as error:
        field = error.field
        if field.startswith("guarantees["):
            field = wanted["where"] + field[len("guarantees") :]
        elif field == "name":
            field = "id.value"
        raise AgreementError(field, f"role {wanted['role']}: {error.message}") from None


def _guarantees(kpis, name: str, where: str) -> list[dict]:
    if kpis in (None, []):
        return []
    if not isinstance(kpis, list):
        raise AgreementError(where, 'give a list of {"query", "scope"}')
    guarantees = []
    for index, kpi in enumerate(kpis):
        if not isinstance(kpi, dict):
            raise AgreementError(f"{where}[{index}]", 'give {"query", "scope"}')
        suffix = "" if index == 0 else f"#{index + 1}"
        guarantees.append(
            {"name": f"{name}{suffix}", "query": kpi.get("query"), "scope": kpi.get("scope", "")}
        )
    return guarantees


class SlaListView(CompatView):
    """GET slas: every agreement of the account."""

    method_names = {"GET": "GetSLAs"}

    def get(self, request):
        rows = [sla_payload(a) for a in agreements_of(account=self.account)]
        return Response(envelope("GetSLAs", "Objects found", rows))


class SlasOfServiceView(CompatView):
    """GET slas/{service id}: the agreements of one application."""

    method_names = {"GET": "GetSLAsByServiceId"}

    def get(self, request, service_id: str):
        rows = [sla_payload(a) for a in agreements_of(account=self.account).filter(name=service_id)]
        if not rows:
            return _not_found("GetSLAsByServiceId", f"Service {service_id[:200]!r}")
        return Response(envelope("GetSLAsByServiceId", "Object found", rows))


class SlaDetailView(CompatView):
    """GET sla/{id} and DELETE sla/{id}."""

    method_names = {"GET": "GetSLA", "DELETE": "DeleteSLA"}

    def get(self, request, agreement_id: str):
        agreement = agreement_by_id(account=self.account, agreement_id=agreement_id)
        if agreement is None:
            return _not_found("GetSLA", f"SLA {agreement_id[:300]!r}")
        return Response(envelope("GetSLA", "Object found", sla_payload(agreement)))

    def delete(self, request, agreement_id: str):
        agreement = agreement_by_id(account=self.account, agreement_id=agreement_id)
        if agreement is None:
            return _not_found("DeleteSLA", f"SLA {agreement_id[:300]!r}")
        agreement.delete()
        return Response(envelope("DeleteSLA", "Object deleted", agreement_id))


class KpiListView(CompatView):
    """GET kpis: every agreement of the account in the KPI shape."""

    method_names = {"GET": "GetKPIs"}

    def get(self, request):
        rows = [kpi_payload(a) for a in agreements_of(account=self.account)]
        return Response(envelope("GetKPIs", "Objects found", rows))


class KpisOfServiceView(CompatView):
    """GET kpis/{service id}."""

    method_names = {"GET": "GetKPIsByServiceId"}

    def get(self, request, service_id: str):
        rows = [kpi_payload(a) for a in agreements_of(account=self.account).filter(name=service_id)]
        if not rows:
            return _not_found("GetKPIsByServiceId", f"Service {service_id[:200]!r}")
        return Response(envelope("GetKPIsByServiceId", "Object found", rows))


class KpiDetailView(CompatView):
    """GET kpi/{id}."""

    method_names = {"GET": "GetKPI"}

    def get(self, request, agreement_id: str):
        agreement = agreement_by_id(account=self.account, agreement_id=agreement_id)
        if agreement is None:
            return _not_found("GetKPI", f"SLA {agreement_id[:300]!r}")
        return Response(envelope("GetKPI", "Object found", kpi_payload(agreement)))


class CompatNotFoundView(CompatView):
    """Any other path under /sla-manager/: the envelope's 404 (after authentication)."""

    def get(self, request, rest: str = ""):
        return _not_found("", "Route")

    post = put = patch = delete = get
