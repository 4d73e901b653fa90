"""Error budgets of SLA percentage requirements in the current period.

`sla_requirement_budgets` evaluates the SLA for a service (or an SLA group, on its derived
timeline) over the current period with the engine, and turns each percentage
requirement's considered seconds and seconds in state into a budget
(sla.engine.budget.requirement_budget); the recent burn rate is the last hour's.
"""

import datetime as dt
from dataclasses import dataclass

from sla.engine import evaluate, inputs_start, period_bounds, period_timeline
from sla.engine.budget import RequirementBudget, requirement_budget
from sla.engine.states import counts_as, time_in_state
from sla.selectors.definitions import service_periods, sla_spec
from sla.selectors.event_horizon import events_pruned_before, events_read_refused
from sla.selectors.groups import group_downtime_intervals, group_events
from sla.selectors.inputs import downtime_intervals, service_events

RECENT = dt.timedelta(hours=1)


@dataclass(frozen=True)
class RequirementBudgetRow:
    """One percentage requirement's budget in the current period."""

    index: int
    title: str
    state: str
    period_start: dt.datetime
    period_end: dt.datetime
    budget: RequirementBudget
    recent_burn: object  # Fraction | None

    def to_json(self) -> dict:
        budget = self.budget

        def number(value):
            return None if value is None else float(value)

        return {
            "title": self.title,
            "state": self.state,
            "comparison": budget.comparison,
            "target": float(budget.target),
            "period_start": self.period_start,
            "period_end": self.period_end,
            "considered_seconds": float(budget.considered),
            "budget_seconds": float(budget.allowed),
            "consumed_seconds": float(budget.consumed),
            "remaining_seconds": float(budget.remaining),
            "remaining_fraction": number(budget.remaining_fraction),
            "burn_rate": number(budget.burn),
            "recent_burn_rate": number(self.recent_burn),
            "time_to_exhaustion_seconds": number(budget.time_to_exhaustion),
        }


def _measured(spans, requirement, honor: bool) -> tuple[float, float]:
    considered = in_state = 0.0
    for span in spans:
        seconds = (span.end - span.start).total_seconds()
        considered += seconds
        if counts_as(span.klass, requirement.state, honor):
            in_state += seconds
    return considered, in_state


def sla_requirement_budgets(
    *, account, sla, service=None, group=None, now: dt.datetime
) -> list[RequirementBudgetRow]:
    """Budget, consumption, remaining, burn rate and time to exhaustion of each percentage
    requirement of `sla` for `service` or `group` in the period containing `now`."""
    if (service is None) == (group is None):
        raise ValueError("give a service or a group")
    spec = sla_spec(sla)
    start, end = period_bounds(spec.period, spec.timezone, now)
    reads_from = inputs_start(spec, start)
    if events_read_refused(reads_from, events_pruned_before(account=account)):
        return []  # a definition reaching back past pruned events: no figure from half
    if service is not None:
        events = service_events(account=account, service=service, start=reads_from, end=now)
        downtimes = downtime_intervals(account=account, service=service, start=reads_from, end=now)
    else:
        events = group_events(account=account, group=group, start=reads_from, end=now)
        downtimes = group_downtime_intervals(
            account=account, group=group, start=reads_from, end=now
        )
    service_time = service_periods(account=account, service=service)
    periods = evaluate(
        spec, events, downtimes, start, start + dt.timedelta(seconds=1), now, **service_time
    )
    if not periods:  # `now` is the very first instant of the period: nothing to measure yet
        return []
    period = periods[0]
    honor = spec.options.downtimes == "honor"
    rows = []
    for index, (requirement, result) in enumerate(
        zip(spec.requirements, period.requirements, strict=True)
    ):
        if requirement.kind != "percentage":
            continue
        measured = time_in_state(result.seconds or {}, requirement.state, honor)
        recent_spans = period_timeline(
            spec, index, events, downtimes, max(start, now - RECENT), end, now, **service_time
        )
        considered, in_state = _measured(recent_spans, requirement, honor)
        recent_burn = None
        if considered:
            recent_burn = requirement_budget(
                comparison=requirement.comparison,
                target=requirement.target,
                considered_seconds=considered,
                state_seconds=in_state,
            ).burn
        budget = requirement_budget(
            comparison=requirement.comparison,
            target=requirement.target,
            considered_seconds=result.considered_seconds,
            state_seconds=measured,
            recent_burn=recent_burn,
        )
        rows.append(
            RequirementBudgetRow(
                index=index,
                title=requirement.title,
                state=result.state,
                period_start=start,
                period_end=end,
                budget=budget,
                recent_burn=recent_burn,
            )
        )
    return rows
