"""Status rollup rules: monitoring states -> component status -> page banner.

Pure functions (no database), documented in the README section "Public status page".

Component status from monitoring (`Service.current_state`):
    OK or never monitored -> operational; WARN or UNKNOWN -> degraded_performance;
    CRIT -> major_outage.
Component status of an SLA group (its state from member states by its aggregation):
    OK -> operational; WARN/UNKNOWN -> degraded_performance; CRIT -> major_outage when
    every monitored member is CRIT, otherwise partial_outage.
Effective component status:
    an unresolved public incident affecting it sets at least the status the operator gave;
    an active maintenance (in progress or verifying) shows under_maintenance unless an
    unresolved incident names the component (the operator's word wins).
Page indicator: the worst of the components (degraded -> minor, partial -> major,
    major -> critical) and of the unresolved incidents' impacts; `maintenance` when
    nothing is worse than `none` and a maintenance is active.
"""

OPERATIONAL = "operational"
DEGRADED = "degraded_performance"
PARTIAL = "partial_outage"
MAJOR = "major_outage"
MAINTENANCE = "under_maintenance"

COMPONENT_BADNESS = {OPERATIONAL: 0, DEGRADED: 1, PARTIAL: 2, MAJOR: 3}
STATE_BADNESS = {"OK": 0, "WARN": 1, "UNKNOWN": 2, "CRIT": 3}

INDICATOR_ORDER = ["none", "maintenance", "minor", "major", "critical"]
INDICATOR_FOR_COMPONENT = {
    OPERATIONAL: "none",
    DEGRADED: "minor",
    PARTIAL: "major",
    MAJOR: "critical",
}
INDICATOR_FOR_IMPACT = {"none": "none", "minor": "minor", "major": "major", "critical": "critical"}
INDICATOR_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
    "maintenance": "Service Under Maintenance",
}
COMPONENT_LABELS = {
    OPERATIONAL: "Operational",
    DEGRADED: "Degraded Performance",
    PARTIAL: "Partial Outage",
    MAJOR: "Major Outage",
    MAINTENANCE: "Under Maintenance",
}


def status_for_state(state: str | None) -> str:
    """A service's monitoring state as a component status."""
    if state == "CRIT":
        return MAJOR
    if state in ("WARN", "UNKNOWN"):
        return DEGRADED
    return OPERATIONAL


def group_state(aggregation: str, k: int | None, member_states: list[str]) -> str | None:
    """The state of an SLA group from its members' current states (None: no data)."""
    states = [state for state in member_states if state in STATE_BADNESS]
    if not states:
        return None
    if aggregation == "k_of_n":
        return "OK" if sum(state == "OK" for state in states) >= (k or 1) else "CRIT"
    pick = min if aggregation == "best" else max
    return pick(states, key=STATE_BADNESS.__getitem__)


def status_for_group(aggregation: str, k: int | None, member_states: list[str]) -> str:
    state = group_state(aggregation, k, member_states)
    if state != "CRIT":
        return status_for_state(state)
    monitored = [member for member in member_states if member in STATE_BADNESS]
    return MAJOR if all(member == "CRIT" for member in monitored) else PARTIAL


def worst_component_status(statuses) -> str:
    """The worst of operational/degraded/partial/major (maintenance counts as operational)."""
    worst = OPERATIONAL
    for status in statuses:
        if COMPONENT_BADNESS.get(status, 0) > COMPONENT_BADNESS[worst]:
            worst = status
    return worst


def effective_status(auto: str, incident: str | None, in_maintenance: bool) -> str:
    """What a component shows: monitoring, raised by incidents, or maintenance."""
    if in_maintenance:
        return incident or MAINTENANCE
    return worst_component_status([auto, incident or OPERATIONAL])


def section_status(statuses: list[str]) -> str:
    """A component group's status: its worst member; maintenance if all are in one."""
    if statuses and all(status == MAINTENANCE for status in statuses):
        return MAINTENANCE
    return worst_component_status(statuses)


def bound_section_status(group_status: str, components: list[tuple[str, str]]) -> str:
    """A section bound to an SLA group: the group's own status, raised by what the
    operator set on its components (incidents, maintenance), never by a member's
    monitoring alone. `components` are (status from monitoring, status shown) pairs."""
    shown = [status for _, status in components]
    if shown and all(status == MAINTENANCE for status in shown):
        return MAINTENANCE
    raised = [status for auto, status in components if status != auto]
    return worst_component_status([group_status, *raised])


def page_indicator(
    component_statuses: list[str], incident_impacts: list[str], maintenance_active: bool
) -> tuple[str, str]:
    """The banner: (indicator, description) of the whole page."""
    levels = [INDICATOR_FOR_COMPONENT.get(status, "none") for status in component_statuses]
    levels += [INDICATOR_FOR_IMPACT.get(impact, "none") for impact in incident_impacts]
    worst = max(levels, key=INDICATOR_ORDER.index, default="none")
    if worst == "none" and (maintenance_active or MAINTENANCE in component_statuses):
        worst = "maintenance"
    return worst, INDICATOR_DESCRIPTIONS[worst]
