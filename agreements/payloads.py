"""The JSON shapes of the original SLA Manager (its README, AGREEMENTS.md section 6): the
SLA, the KPI, the NOTIFICATION and the VIOLATION. Floats appear only here (serialising)."""

import datetime as dt
from decimal import Decimal

from agreements.models import Agreement, Guarantee

ZERO_TIME = "0001-01-01T00:00:00Z"


def instant_text(value: dt.datetime | None) -> str:
    """RFC 3339 in UTC with a ``Z`` (Go's zero time for none, as the original shows)."""
    if value is None:
        return ZERO_TIME
    text = value.astimezone(dt.UTC).isoformat()
    return text.replace("+00:00", "Z")


def number(value) -> float | int:
    """A sample value for JSON: integral values as integers, others as floats."""
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        return float(value)
    return value


def value_entry(key: str, value, at: dt.datetime) -> dict:
    return {
        "key": key,
        "action": "",
        "namespace": "",
        "value": number(value),
        "datetime": instant_text(at),
    }


def violation_entry(*, agreement: Agreement, guarantee_name: str, at, constraint, values, id_=""):
    return {
        "id": str(id_),
        "agreement_id": agreement.agreement_id,
        "guarantee": guarantee_name,
        "datetime": instant_text(at),
        "constraint": constraint,
        "values": values,
        "appID": agreement.agreement_id,
    }


def guarantee_details(guarantee: Guarantee) -> dict:
    return {
        "name": guarantee.name,
        "constraint": guarantee.constraint,
        "query": guarantee.query,
        "scope": guarantee.scope,
        "scopeTemplate": guarantee.scope_template,
    }


def guarantee_assessment(guarantee: Guarantee) -> dict:
    return {
        "first_execution": instant_text(guarantee.first_execution),
        "last_execution": instant_text(guarantee.last_execution),
        "last_values": guarantee.last_values or {},
        "last_violation": guarantee.last_violation,
    }


def sla_payload(agreement: Agreement) -> dict:
    """An agreement in the original manager's SLA shape."""
    guarantees = list(agreement.guarantees.all())
    return {
        "id": agreement.agreement_id,
        "name": agreement.name,
        "state": agreement.state,
        "assessment": {
            "total_executions": agreement.total_executions,
            "total_violations": agreement.total_violations,
            "x": agreement.x,
            "x_assessment_broken_count": agreement.consecutive_broken,
            "y": agreement.y,
            "y_assessment_met_count": agreement.consecutive_met,
            "z": agreement.z,
            "level": agreement.level,
            "violated": agreement.violated,
            "first_execution": instant_text(agreement.first_execution),
            "last_execution": instant_text(agreement.last_execution),
            "guarantees": {g.name: guarantee_assessment(g) for g in guarantees},
        },
        "creation": instant_text(agreement.created_at),
        "expiration": instant_text(agreement.expires_at),
        "details": {"guarantees": [guarantee_details(g) for g in guarantees]},
    }


def _last_value(guarantee: Guarantee):
    for entry in (guarantee.last_values or {}).values():
        return entry.get("value", 0)
    return 0


def kpi_entry(agreement: Agreement, guarantee: Guarantee, violations=None) -> dict:
    return {
        "roleId": agreement.agreement_id,
        "query": guarantee.query,
        "level": guarantee.level,
        "value": _last_value(guarantee),
        "threshold": "",
        "violations": violations,
        "total_violations": guarantee.total_violations,
    }


def kpi_payload(agreement: Agreement) -> dict:
    """An agreement in the KPI shape (also the NOTIFICATION of a level change)."""
    return {
        "serviceId": agreement.name,
        "slaId": agreement.agreement_id,
        "KPIs": [kpi_entry(agreement, g) for g in agreement.guarantees.all()],
    }


def violation_payload(agreement: Agreement, violations_by_guarantee: dict) -> dict:
    """One agreement's entry of the VIOLATION list: the KPIs of the guarantees broken in
    the round, each with that round's violations."""
    guarantees = {g.name: g for g in agreement.guarantees.all()}
    return {
        "serviceId": agreement.name,
        "slaId": agreement.agreement_id,
        "KPIs": [
            kpi_entry(agreement, guarantees[name], entries)
            for name, entries in violations_by_guarantee.items()
            if name in guarantees
        ],
    }
