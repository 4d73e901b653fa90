"""One read of everything a status page shows, shared by HTML, JSON, feeds and badges.

Reads only precomputed rows: current states of services, daily rollups, stored period
results, public incidents and public downtimes. A page of 100 components costs about a
dozen queries whatever its history length.
"""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from statuspage import rollup
from statuspage.models import StatusPage
from statuspage.selectors.components import (
    ComponentView,
    SectionView,
    page_sections,
    public_components,
)
from statuspage.selectors.history import attach_history
from statuspage.selectors.incidents import (
    IncidentView,
    incident_component_statuses,
    page_incidents,
)
from statuspage.selectors.maintenances import MaintenanceView, page_maintenances
from statuspage.selectors.pages import page_url, primary_domain
from statuspage.selectors.sla import attach_sla_figures

RECENT_INCIDENT_DAYS = 7
FEED_LIMIT = 50


@dataclass
class PageSnapshot:
    """The public state of one page at `now`."""

    page: StatusPage
    now: dt.datetime
    url: str
    components: list[ComponentView]
    sections: list[SectionView]
    incidents: list[IncidentView]
    maintenances: list[MaintenanceView]
    indicator: str
    description: str
    days: list[dt.date] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.page.time_zone)

    @property
    def top_level(self) -> list:
        """Sections and ungrouped components in page order (by position, then creation)."""
        items: list = [c for c in self.components if c.section_pk is None]
        items += self.sections
        return sorted(items, key=lambda item: (item.position, item.created_at, item.pk))

    @property
    def unresolved_incidents(self) -> list[IncidentView]:
        return [incident for incident in self.incidents if not incident.is_resolved]

    @property
    def active_maintenances(self) -> list[MaintenanceView]:
        return [item for item in self.maintenances if item.is_active]

    @property
    def upcoming_maintenances(self) -> list[MaintenanceView]:
        upcoming = [item for item in self.maintenances if item.is_upcoming]
        return sorted(upcoming, key=lambda item: item.scheduled_for)

    @property
    def component_by_pk(self) -> dict[int, ComponentView]:
        return {component.pk: component for component in self.components}

    @property
    def updated_at(self) -> dt.datetime:
        stamps = [self.page.updated_at]
        stamps += [component.updated_at for component in self.components]
        stamps += [incident.updated_at for incident in self.incidents]
        stamps += [item.updated_at for item in self.maintenances if item.updated_at <= self.now]
        return max(stamps)

    @property
    def uptime_90(self) -> float | None:
        from statuspage.uptime import uptime_over

        return uptime_over(
            figure for component in self.components for _, figure in component.days if figure
        )


def _banner_statuses(components, sections) -> list[str]:
    """What the banner rolls up: each section bound to an SLA group counts with its own
    status (the group's), every other component with its status."""
    bound = [section for section in sections if section.group_status is not None]
    inside = {component.pk for section in bound for component in section.components}
    statuses = [section.status for section in bound]
    statuses += [component.status for component in components if component.pk not in inside]
    return statuses


def _apply_statuses(components, incidents, maintenances) -> None:
    by_incident = incident_component_statuses(incidents)
    in_maintenance = {pk for item in maintenances if item.is_active for pk in item.component_pks}
    for component in components:
        raised = by_incident.get(component.pk)
        incident_status = rollup.worst_component_status(raised) if raised else None
        component.status = rollup.effective_status(
            component.auto_status, incident_status, component.pk in in_maintenance
        )


def _number(snapshot_items) -> None:
    position = 0
    for item in snapshot_items:
        position += 1
        item.display_position = position
        for child in getattr(item, "components", []):
            position += 1
            child.display_position = position


def page_snapshot(
    *,
    page: StatusPage,
    now: dt.datetime,
    history: bool = False,
    incidents_since: dt.datetime | None = None,
    incident_limit: int | None = None,
    sla: bool = False,
) -> PageSnapshot:
    """The page's public state. `history` adds the 90-day strips; `sla` the SLA figures.

    Incidents, newest first: with `incidents_since`, unresolved ones plus those started
    since then; with only `incident_limit`, the newest that many; with neither, unresolved
    ones plus the last 7 days.
    """
    components = public_components(page=page)
    visible = {component.pk: component.id for component in components}
    since = incidents_since
    if since is None and incident_limit is None:
        since = now - dt.timedelta(days=RECENT_INCIDENT_DAYS)
    incidents = page_incidents(page=page, visible=visible, since=since, limit=incident_limit)
    if incident_limit is not None:  # open incidents set statuses even when older than the rest
        seen = {incident.pk for incident in incidents}
        unresolved = page_incidents(page=page, visible=visible, unresolved=True)
        incidents += [incident for incident in unresolved if incident.pk not in seen]
        incidents.sort(key=lambda incident: (incident.started_at, incident.pk), reverse=True)
    maintenances = page_maintenances(page=page, components=components, now=now)
    _apply_statuses(components, incidents, maintenances)
    days = attach_history(account=page.account, components=components, now=now) if history else []
    if sla and page.show_sla:
        attach_sla_figures(account=page.account, components=components, now=now)
    sections = page_sections(page=page, components=components)
    indicator, description = rollup.page_indicator(
        _banner_statuses(components, sections),
        [incident.impact for incident in incidents if not incident.is_resolved],
        any(item.is_active for item in maintenances),
    )
    snapshot = PageSnapshot(
        page=page,
        now=now,
        url=page_url(page=page, domain=primary_domain(page=page)),
        components=components,
        sections=sections,
        incidents=incidents,
        maintenances=maintenances,
        indicator=indicator,
        description=description,
        days=days,
    )
    _number(snapshot.top_level)
    return snapshot
