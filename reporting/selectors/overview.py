"""The dashboard's overview, shared by the page and `GET /api/v1/dashboard/stats`: services
by state, open incidents and, with the SLA feature on, SLAs at risk, budget burn leaders
and the latest daily reports."""

import datetime as dt
from dataclasses import dataclass, field

from accounts.features import sla_enabled
from reporting.models import DailyReport
from reporting.selectors.dashboard import (
    Assignments,
    current_rows,
    open_incidents,
    requirement_burn_leaders,
    service_state_counts,
    services_not_ok,
    sla_assignments,
    slas_at_risk,
    slo_burn_leaders,
)
from sla.engine import RESULT_BADNESS
from sla.engine.budget import to_float
from sla.selectors.detail import requirement_cell
from statuspage.selectors.incidents import open_public_incidents


@dataclass
class Overview:
    """What the dashboard shows at a glance (SLA parts empty when the feature is off)."""

    sla_enabled: bool
    states: dict
    not_ok: list
    incidents_total: int
    incidents: list
    assignments: Assignments = field(default_factory=Assignments)
    at_risk_total: int = 0
    at_risk: list = field(default_factory=list)
    requirement_burns: list = field(default_factory=list)
    slo_burns: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    public_incidents_total: int = 0
    public_incidents: list = field(default_factory=list)  # unresolved, on the status pages


def worst_requirement_text(row, requirements: list) -> str:
    """The text of a result's worst requirement, e.g. 'Availability: 99.41%'."""
    items = list(enumerate(row.result.get("requirements", [])))
    if not items:
        return row.state
    index, item = max(items, key=lambda pair: RESULT_BADNESS[pair[1]["state"]])
    if index >= len(requirements):
        return f"{item['title']}: {requirement_cell(item, None).text}"
    requirement = requirements[index]
    cell = requirement_cell(item, requirement.target, requirement.comparison)
    return f"{item['title']}: {cell.text}"


def dashboard_overview(*, account, now: dt.datetime) -> Overview:
    incidents_total, incidents = open_incidents(account=account)
    public_total, public = open_public_incidents(account=account)
    overview = Overview(
        sla_enabled=sla_enabled(account),
        states=service_state_counts(account=account),
        not_ok=services_not_ok(account=account),
        incidents_total=incidents_total,
        incidents=incidents,
        public_incidents_total=public_total,
        public_incidents=public,
    )
    if not overview.sla_enabled:
        return overview
    overview.assignments = sla_assignments(account=account)
    rows = current_rows(account=account, assignments=overview.assignments, now=now)
    overview.at_risk_total, overview.at_risk = slas_at_risk(rows=rows)
    for row in overview.at_risk:
        row.text = worst_requirement_text(
            row, overview.assignments.requirements.get(row.sla.pk, [])
        )
    overview.requirement_burns = requirement_burn_leaders(
        rows=rows, assignments=overview.assignments
    )
    overview.slo_burns = slo_burn_leaders(account=account, now=now)
    overview.reports = list(DailyReport.objects.for_account(account).order_by("-day")[:3])
    return overview


def _service_json(service) -> dict:
    return {"id": service.pk, "path": service.path, "name": service.display_name}


def _incident_json(incident, now) -> dict:
    subject = incident.service or incident.group
    return {
        "id": incident.pk,
        "service": _service_json(incident.service) if incident.service else None,
        "group": {"id": subject.pk, "name": subject.name} if incident.group else None,
        "started_at": incident.started_at,
        "worst_state": incident.worst_state,
        "state": incident.state,
        "duration_seconds": (now - incident.started_at).total_seconds(),
    }


def _at_risk_json(row) -> dict:
    return {
        "service": _service_json(row.service),
        "sla": {"id": row.sla.pk, "title": row.sla.title},
        "period_start": row.period_start,
        "period_end": row.period_end,
        "state": row.state,
        "requirements": [
            {
                "title": item["title"],
                "state": item["state"],
                "value": item.get("value"),
                "remaining": item.get("remaining"),
            }
            for item in row.result.get("requirements", [])
        ],
    }


def _burn_json(burn) -> dict:
    return {
        "service": _service_json(burn.row.service),
        "sla": {"id": burn.row.sla.pk, "title": burn.row.sla.title},
        "requirement": burn.title,
        "target": None if burn.target is None else float(burn.target),
        "value": burn.value,
        **burn.budget,
    }


def _slo_json(status) -> dict:
    slo = status.slo
    subject = slo.service or slo.group
    return {
        "id": slo.pk,
        "name": slo.name,
        "service": _service_json(slo.service) if slo.service else None,
        "group": {"id": subject.pk, "name": subject.name} if slo.group else None,
        "target": float(slo.target),
        "sli": None if status.budget.sli is None else float(status.budget.sli * 100),
        "consumed_fraction": to_float(status.budget.consumed_fraction),
        "remaining_fraction": to_float(status.budget.remaining_fraction),
        "burn_rate_1h": to_float(status.burn_rates.get(3600)),
    }


def _report_json(report) -> dict:
    return {
        "id": report.pk,
        "day": report.day,
        "generated_at": report.generated_at,
        "json": {"url": f"/api/v1/daily-reports/{report.pk}/json", "sha256": report.json_sha256},
        "pdf": {"url": f"/api/v1/daily-reports/{report.pk}/pdf", "sha256": report.pdf_sha256},
    }


def overview_json(overview: Overview, *, account, now: dt.datetime) -> dict:
    """The stats API's body; `sla` is null when the SLA feature is off."""
    body = {
        "account": {"slug": account.slug, "name": account.name, "timezone": account.timezone},
        "generated_at": now,
        "sla_enabled": overview.sla_enabled,
        "services": overview.states,
        "incidents": {
            "open": overview.incidents_total,
            "latest": [_incident_json(incident, now) for incident in overview.incidents],
        },
        "sla": None,
    }
    if overview.sla_enabled:
        body["sla"] = {
            "services_with_sla": sum(len(group) for group in overview.assignments.by_sla.values()),
            "at_risk": {
                "total": overview.at_risk_total,
                "items": [_at_risk_json(row) for row in overview.at_risk],
            },
            "burn_leaders": {
                "requirements": [_burn_json(burn) for burn in overview.requirement_burns],
                "slos": [_slo_json(status) for status in overview.slo_burns],
            },
            "reports": [_report_json(report) for report in overview.reports],
        }
    return body
