"""Each component's contractual SLA figure, read from the stored current-period results.

The figure is the first percentage requirement of the current period's stored PeriodResult
(`complete=False`) of the SLA that the assignment rules give the component's service or
group. The engine already applied the SLA's downtime option, so maintenance is excluded
exactly as the SLA says. No stored result, or no value yet: nothing is shown.
"""

import datetime as dt

from django.db.models import Q

from accounts.features import sla_enabled
from sla.engine.spec import is_number
from sla.models import PeriodResult, Requirement, Service, ServiceGroup
from sla.selectors.definitions import ordered_rules, sla_for_group, sla_for_service
from statuspage.selectors.components import ComponentView, SlaFigure


def _assigned_slas(account, components: list[ComponentView]) -> dict[int, object]:
    rules = ordered_rules(account=account)
    if not rules:
        return {}
    service_ids = [component.service_id for component in components if component.service_id]
    group_ids = [component.group_id for component in components if component.group_id]
    services = Service.objects.for_account(account).filter(pk__in=service_ids)
    services = {row.pk: row for row in services.only("path", "labels", "group_id")}
    groups = ServiceGroup.objects.for_account(account).filter(pk__in=group_ids)
    groups = {row.pk: row for row in groups.only("name")}
    assigned = {}
    for component in components:
        if component.service_id and component.service_id in services:
            sla = sla_for_service(
                account=account, service=services[component.service_id], rules=rules
            )
        elif component.group_id and component.group_id in groups:
            sla = sla_for_group(account=account, group=groups[component.group_id], rules=rules)
        else:
            sla = None
        if sla is not None:
            assigned[component.pk] = sla
    return assigned


def _current_results(account, assigned, components, now) -> dict[tuple, PeriodResult]:
    sla_ids = {sla.pk for sla in assigned.values()}
    subjects = Q(service_id__in=[c.service_id for c in components if c.service_id]) | Q(
        group_id__in=[c.group_id for c in components if c.group_id]
    )
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(subjects, sla_id__in=sla_ids, complete=False)
        .filter(period_start__lte=now, period_end__gt=now)
        .order_by("period_start")
        .only("sla_id", "service_id", "group_id", "period_start", "period_end", "result", "state")
    )
    return {(row.sla_id, row.service_id, row.group_id): row for row in rows}


def _requirement_targets(account, sla_ids) -> dict[int, list[Requirement]]:
    targets: dict[int, list[Requirement]] = {}
    rows = Requirement.objects.for_account(account).filter(sla_id__in=sla_ids)
    for row in rows.order_by("sla_id", "position", "id"):
        targets.setdefault(row.sla_id, []).append(row)
    return targets


def _stored_requirement(requirement: dict, index: int, rows: list[Requirement]):
    """The Requirement row behind a result entry: same position, else same title."""
    same_place = rows[index] if index < len(rows) else None
    if (
        same_place
        and same_place.kind == "percentage"
        and same_place.title == requirement.get("title")
    ):
        return same_place
    same_title = [r for r in rows if r.kind == "percentage" and r.title == requirement.get("title")]
    if same_title:
        return same_title[0]
    return same_place if same_place and same_place.kind == "percentage" else None


def _figure(sla, row: PeriodResult, requirement_rows: list[Requirement]) -> SlaFigure | None:
    requirements = (row.result or {}).get("requirements") or []
    for index, requirement in enumerate(requirements):
        if not isinstance(requirement, dict) or requirement.get("kind") != "percentage":
            continue
        value = requirement.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        stored = _stored_requirement(requirement, index, requirement_rows)
        target = requirement.get("target", stored.target if stored else None)
        broken = requirement.get("broken")
        return SlaFigure(
            value=float(value),
            target=target if is_number(target) else None,
            broken=broken if isinstance(broken, bool) else None,
            comparison=requirement.get("comparison") or (stored.comparison if stored else "min"),
            measured_state=stored.state if stored else "OK",
            result_state=str(requirement.get("state") or row.state),
            period=sla.period,
            period_start=row.period_start,
            period_end=row.period_end,
        )
    return None


def attach_sla_figures(*, account, components: list[ComponentView], now: dt.datetime) -> None:
    """Set `component.sla` where a stored current-period result exists."""
    if not components or not sla_enabled(account):
        return
    assigned = _assigned_slas(account, components)
    if not assigned:
        return
    results = _current_results(account, assigned, components, now)
    targets = _requirement_targets(account, {sla.pk for sla in assigned.values()})
    for component in components:
        sla = assigned.get(component.pk)
        if sla is None:
            continue
        row = results.get((sla.pk, component.service_id, component.group_id))
        if row is not None:
            component.sla = _figure(sla, row, targets.get(sla.pk, []))
