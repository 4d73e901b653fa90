"""A page's public components with their monitoring status (reads current state only)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sla.models import Service, ServiceGroup
from statuspage import rollup
from statuspage.models import ComponentGroup, StatusPage, StatusPageComponent
from statuspage.uptime import DayFigures


@dataclass
class SlaFigure:
    """The contractual figure of a component's SLA for the current period."""

    value: float
    target: Decimal | float | None  # as written (the requirement's decimal)
    comparison: str
    measured_state: str
    result_state: str
    period: str
    period_start: dt.datetime
    period_end: dt.datetime
    broken: bool | None = None  # decided on the exact value by the engine

    @property
    def period_phrase(self) -> str:
        return {
            "daily": "today",
            "weekly": "this week",
            "monthly": "this month",
            "quarterly": "this quarter",
            "yearly": "this year",
        }.get(self.period, "this period")


@dataclass
class ComponentView:
    """Everything public about one component, ready for HTML, JSON, feeds and badges."""

    pk: int
    id: str
    name: str
    description: str
    position: int
    section_pk: int | None
    service_id: int | None
    group_id: int | None
    service_group_id: int | None
    showcase: bool
    only_show_if_degraded: bool
    start_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    auto_status: str
    status: str = rollup.OPERATIONAL
    days: list[tuple[dt.date, DayFigures | None]] = field(default_factory=list)
    uptime_90: float | None = None
    sla: SlaFigure | None = None
    section_id: str | None = None
    display_position: int = 0

    @property
    def visible(self) -> bool:
        return not (self.only_show_if_degraded and self.status == rollup.OPERATIONAL)

    @property
    def status_label(self) -> str:
        return rollup.COMPONENT_LABELS[self.status]


@dataclass
class SectionView:
    """A component group (section) of the page."""

    pk: int
    id: str
    name: str
    description: str
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime
    components: list[ComponentView] = field(default_factory=list)
    display_position: int = 0
    # A section whose components are the services of one SLA group that is not simply the
    # worst of its members (k_of_n, best) follows that group's own state: 3 of 4 OK with
    # k = 3 is operational, however bad the fourth is (its own row still says so).
    group_status: str | None = None

    @property
    def status(self) -> str:
        if self.group_status is None:
            return rollup.section_status([component.status for component in self.components])
        return rollup.bound_section_status(
            self.group_status,
            [(component.auto_status, component.status) for component in self.components],
        )

    @property
    def status_label(self) -> str:
        return rollup.COMPONENT_LABELS[self.status]

    @property
    def visible_components(self) -> list[ComponentView]:
        return [component for component in self.components if component.visible]


def _group_member_states(account, group_ids: set[int]) -> dict[int, list[str]]:
    members: dict[int, list[str]] = {group_id: [] for group_id in group_ids}
    if not group_ids:
        return members
    rows = (
        Service.objects.for_account(account)
        .filter(group_id__in=group_ids)
        .values_list("group_id", "current_state")
    )
    for group_id, state in rows:
        members[group_id].append(state)
    return members


def _auto_status(row: StatusPageComponent, members: dict[int, list[str]]) -> str:
    if row.service_id:
        return rollup.status_for_state(row.service.current_state)
    group = row.group
    return rollup.status_for_group(group.aggregation, group.k, members.get(group.pk, []))


def _updated_at(row: StatusPageComponent) -> dt.datetime:
    since = row.service.current_state_since if row.service_id else None
    return max(row.updated_at, since) if since else row.updated_at


def public_components(*, page: StatusPage) -> list[ComponentView]:
    """The page's public components, ordered, with their status from monitoring."""
    rows = list(
        StatusPageComponent.objects.for_account(page.account)
        .filter(page=page, public=True)
        .select_related("service", "group")
        .order_by("position", "id")
    )
    members = _group_member_states(page.account, {row.group_id for row in rows if row.group_id})
    views = []
    for row in rows:
        auto = _auto_status(row, members)
        views.append(
            ComponentView(
                pk=row.pk,
                id=row.public_id,
                name=row.name,
                description=row.description,
                position=row.position,
                section_pk=row.section_id,
                service_id=row.service_id,
                group_id=row.group_id,
                service_group_id=row.service.group_id if row.service_id else None,
                showcase=row.showcase,
                only_show_if_degraded=row.only_show_if_degraded,
                start_date=row.start_date,
                created_at=row.created_at,
                updated_at=_updated_at(row),
                auto_status=auto,
                status=auto,
            )
        )
    return views


def page_sections(*, page: StatusPage, components: list[ComponentView]) -> list[SectionView]:
    """Component groups holding at least one public component, with their members."""
    by_section: dict[int, list[ComponentView]] = {}
    for component in components:
        if component.section_pk is not None:
            by_section.setdefault(component.section_pk, []).append(component)
    if not by_section:
        return []
    rows = ComponentGroup.objects.for_account(page.account).filter(
        page=page, pk__in=by_section.keys()
    )
    sections = []
    for row in rows.order_by("position", "id"):
        section = SectionView(
            pk=row.pk,
            id=row.public_id,
            name=row.name,
            description=row.description,
            position=row.position,
            created_at=row.created_at,
            updated_at=row.updated_at,
            components=by_section[row.pk],
        )
        for component in section.components:
            component.section_id = row.public_id
        sections.append(section)
    _bind_group_sections(page.account, sections)
    return sections


def _bound_group_id(section: SectionView) -> int | None:
    """The SLA group all of the section's components are services of, if there is one."""
    groups = {component.service_group_id for component in section.components}
    if len(groups) != 1 or any(component.group_id for component in section.components):
        return None
    return next(iter(groups))


def _bind_group_sections(account, sections: list[SectionView]) -> None:
    bound = {section.pk: _bound_group_id(section) for section in sections}
    group_ids = {group_id for group_id in bound.values() if group_id is not None}
    if not group_ids:
        return
    groups = {
        group.pk: group
        for group in ServiceGroup.objects.for_account(account)
        .filter(pk__in=group_ids)
        .exclude(aggregation="worst")
    }
    if not groups:
        return
    members = _group_member_states(account, set(groups))
    for section in sections:
        group = groups.get(bound[section.pk])
        if group is not None:
            section.group_status = rollup.status_for_group(
                group.aggregation, group.k, members.get(group.pk, [])
            )
