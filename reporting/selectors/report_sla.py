"""SLA and SLO figures of a daily report, as of the end of the report's day.

A report must say the same thing whenever it is (re)built, so nothing here depends on the
wall clock: the SLA period containing the day is evaluated by the engine with `now` = the
end of the day (period to date; complete when the day ends the period), and SLO budgets
and burn rates are read from their buckets for windows ending there. Services of one SLA
are evaluated in bulk: their events stream from one cursor (sla.selectors.bulk).
"""

import datetime as dt
from collections import defaultdict

from sla.engine import evaluate, inputs_start, isoformat_utc, period_bounds
from sla.engine.budget import requirement_budget, to_float
from sla.engine.states import time_in_state
from sla.selectors.bulk import services_inputs
from sla.selectors.definitions import (
    ordered_rules,
    services_periods,
    sla_for_group,
    sla_for_service,
    sla_spec,
)
from sla.selectors.event_horizon import events_pruned_before, events_read_refused
from sla.selectors.groups import group_downtime_intervals, group_events
from sla.selectors.slo import budget_json, slo_list, slo_statuses
from slaportal.gcpause import collector_paused

HOUR_SECONDS = 3600
JUST_BEFORE = dt.timedelta(microseconds=1)


def requirement_budget_json(requirement, result: dict, honor_downtimes: bool) -> dict | None:
    """Budget of a percentage requirement from its period result (same arithmetic as
    sla.selectors.budgets): allowed, consumed and remaining seconds, burn rate."""
    considered = result.get("considered_seconds") or 0
    if requirement.kind != "percentage" or not considered:
        return None
    in_state = time_in_state(result.get("seconds") or {}, requirement.state, honor_downtimes)
    budget = requirement_budget(
        comparison=requirement.comparison,
        target=requirement.target,
        considered_seconds=considered,
        state_seconds=in_state,
    )
    return {
        "budget_seconds": float(budget.allowed),
        "consumed_seconds": float(budget.consumed),
        "remaining_seconds": float(budget.remaining),
        "remaining_fraction": to_float(budget.remaining_fraction),
        "burn_rate": to_float(budget.burn),
    }


def requirement_json(requirement, result: dict, honor_downtimes: bool) -> dict:
    """One requirement's definition and result in the report's shape."""
    entry = {
        "title": result["title"],
        "kind": result["kind"],
        "state": result["state"],
        "broken": result["broken"],
        "considered_seconds": result["considered_seconds"],
        "remaining": result.get("remaining"),
    }
    if requirement.kind == "percentage":
        entry.update(
            target_state=requirement.state,
            comparison=requirement.comparison,
            target=None if requirement.target is None else float(requirement.target),
            value=result.get("value"),
            budget=requirement_budget_json(requirement, result, honor_downtimes),
        )
    else:
        entry.update(
            target_state=requirement.state,
            max_count=requirement.max_count,
            min_duration_seconds=requirement.min_duration_seconds or 0,
            count=result.get("count"),
            outages=result.get("outages") or [],
        )
    return entry


def period_json(sla, spec, requirements: list, result) -> dict:
    """An engine period result with the SLA's identity and each requirement's budget."""
    body = result.to_json()
    honor = spec.options.downtimes == "honor"
    return {
        "id": sla.pk,
        "title": sla.title,
        "period": sla.period,
        "timezone": sla.timezone,
        "period_start": body["start"],
        "period_end": body["end"],
        "complete": body["complete"],
        "state": body["state"],
        "requirements": [
            requirement_json(requirement, item, honor)
            for requirement, item in zip(requirements, body["requirements"], strict=True)
        ],
    }


def _assignments(account, services, groups) -> tuple[dict, dict]:
    rules = ordered_rules(account=account)
    by_sla: dict = defaultdict(list)
    group_slas = {}
    if not rules:
        return by_sla, group_slas
    for service in services:
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            by_sla[sla].append(service)
    for group in groups:
        sla = sla_for_group(account=account, group=group, rules=rules)
        if sla is not None:
            group_slas[group.pk] = sla
    return by_sla, group_slas


def _requirements_of(slas) -> dict:
    from sla.models import Requirement

    rows: dict = defaultdict(list)
    queryset = Requirement.objects.filter(sla__in=[sla.pk for sla in slas]).order_by(
        "sla_id", "position", "id"
    )
    for requirement in queryset:
        rows[requirement.sla_id].append(requirement)
    return rows


def _period_of_day(sla, day_end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return period_bounds(sla.period, sla.timezone, day_end - JUST_BEFORE)


def _refuse_pruned(reads_from: dt.datetime, pruned_before) -> None:
    """A report of a day whose SLA period reads pruned events is not built (again): its
    figures would come from what is left. The stored report of that day stays."""
    reason = events_read_refused(reads_from, pruned_before)
    if reason is not None:
        raise ValueError(reason)


def sla_results_as_of(*, account, services, groups, day_end: dt.datetime) -> tuple[dict, dict]:
    """({service id: period json}, {group id: period json}) of each subject's rule-assigned
    SLA in the period containing the day, evaluated up to `day_end`."""
    by_sla, group_slas = _assignments(account, services, groups)
    requirements = _requirements_of({*by_sla, *group_slas.values()})
    service_results, group_results = {}, {}
    pruned_before = events_pruned_before(account=account)
    for sla, members in by_sla.items():
        spec = sla_spec(sla)
        start, _ = _period_of_day(sla, day_end)
        reads_from = inputs_start(spec, start)
        _refuse_pruned(reads_from, pruned_before)
        periods_of = services_periods(account=account, services=members)
        with collector_paused():
            inputs = services_inputs(
                account=account,
                services=members,
                start=reads_from,
                end=day_end,
                flags=spec.options.detects_flapping,
            )
            for service, events, downtimes in inputs:
                [result] = evaluate(
                    spec, events, downtimes, start, day_end, day_end, **periods_of[service.pk]
                )
                service_results[service.pk] = period_json(sla, spec, requirements[sla.pk], result)
    groups_by_id = {group.pk: group for group in groups}
    for group_id, sla in group_slas.items():
        group = groups_by_id[group_id]
        spec = sla_spec(sla)
        start, _ = _period_of_day(sla, day_end)
        reads_from = inputs_start(spec, start)
        _refuse_pruned(reads_from, pruned_before)
        events = group_events(account=account, group=group, start=reads_from, end=day_end)
        downtimes = group_downtime_intervals(
            account=account, group=group, start=reads_from, end=day_end
        )
        [result] = evaluate(spec, events, downtimes, start, day_end, day_end)
        group_results[group_id] = period_json(sla, spec, requirements[sla.pk], result)
    return service_results, group_results


def slo_json(status, lookbacks: dict[str, int]) -> dict:
    slo = status.slo
    return {
        "id": slo.pk,
        "name": slo.name,
        "sli_kind": slo.sli_kind,
        "target": float(slo.target),
        "window": {
            "start": isoformat_utc(status.window.start),
            "end": isoformat_utc(status.window.end),
        },
        "budget": budget_json(slo, status.budget),
        "burn_rates": {
            name: to_float(status.burn_rates.get(seconds)) for name, seconds in lookbacks.items()
        },
        "time_to_exhaustion_seconds": to_float(status.time_to_exhaustion),
    }


def slos_as_of(*, account, day_start: dt.datetime, day_end: dt.datetime) -> tuple[dict, dict]:
    """({service id: [slo json]}, {group id: [slo json]}): each SLO's window ending at the
    end of the day, its budget, and its burn rates over the day's last hour and the day."""
    slos = list(slo_list(account=account).order_by("name", "id"))
    by_service: dict = defaultdict(list)
    by_group: dict = defaultdict(list)
    if not slos:
        return by_service, by_group
    lookbacks = {"1h": HOUR_SECONDS, "day": int((day_end - day_start).total_seconds())}
    statuses = slo_statuses(
        account=account,
        slos=slos,
        now=day_end - JUST_BEFORE,
        lookbacks=tuple(sorted(set(lookbacks.values()))),
    )
    for slo in slos:
        entry = slo_json(statuses[slo.pk], lookbacks)
        if slo.service_id:
            by_service[slo.service_id].append(entry)
        else:
            by_group[slo.group_id].append(entry)
    return by_service, by_group
