"""GraphQL types of the reads next to the SLA queries: services, SLA groups, incidents,
SLOs (budget and burn rates) and daily reports. Fields follow the REST serializers.

Objects are built from rows the resolvers loaded in bulk; a service's group is looked up
in the request's group cache (one query for all), so no field costs a query per row.
"""

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from slaportal.graphql.pagination import PageInfo
from slaportal.graphql.types_sla import ReportFile


@strawberry.type
class SlaGroup:
    """An SLA group rolling up its member services (worst, best or k-of-n)."""

    id: int
    name: str
    title: str
    description: str
    aggregation: str
    k: int | None
    created_at: dt.datetime

    @classmethod
    def from_model(cls, group) -> "SlaGroup":
        return cls(
            id=group.pk,
            name=group.name,
            title=group.title,
            description=group.description,
            aggregation=group.aggregation,
            k=group.k,
            created_at=group.created_at,
        )


@strawberry.type
class Service:
    """A monitored service with its current state (null: no event yet) and SLA group."""

    id: int
    path: str
    name: str
    display_name: str
    labels: JSON
    current_state: str | None
    current_state_since: dt.datetime | None
    created_at: dt.datetime
    group_id: strawberry.Private[int | None]

    @strawberry.field
    def group(self, info: Info) -> SlaGroup | None:
        return info.context.group(self.group_id)

    @classmethod
    def from_model(cls, service) -> "Service":
        return cls(
            id=service.pk,
            path=service.path,
            name=service.name,
            display_name=service.display_name,
            labels=service.labels,
            current_state=service.current_state or None,
            current_state_since=service.current_state_since,
            created_at=service.created_at,
            group_id=service.group_id,
        )


@strawberry.type
class Incident:
    """A stretch of time a service or SLA group spent outside OK."""

    id: int
    service: Service | None
    group: SlaGroup | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    open: bool
    duration_seconds: float
    worst_state: str
    state: str

    @classmethod
    def from_model(cls, incident, *, now: dt.datetime) -> "Incident":
        end = incident.ended_at or now
        return cls(
            id=incident.pk,
            service=Service.from_model(incident.service) if incident.service_id else None,
            group=SlaGroup.from_model(incident.group) if incident.group_id else None,
            started_at=incident.started_at,
            ended_at=incident.ended_at,
            open=incident.is_open,
            duration_seconds=max((end - incident.started_at).total_seconds(), 0.0),
            worst_state=incident.worst_state,
            state=incident.state,
        )


@strawberry.type
class SloWindow:
    start: dt.datetime
    end: dt.datetime
    seconds: int


@strawberry.type
class SloBudget:
    """The error budget in minutes of bad time, bad requests or bad events."""

    sli: float | None
    target: float
    met: bool | None
    unit: str
    good: float
    total: float
    budget: float
    consumed: float
    remaining: float
    remaining_fraction: float | None
    consumed_fraction: float | None


@strawberry.type
class BurnRate:
    """The burn rate over a lookback ending now (null: no data)."""

    lookback_seconds: int
    burn_rate: float | None


@strawberry.type
class SloStatus:
    window: SloWindow
    budget: SloBudget
    burn_rates: list[BurnRate]
    time_to_exhaustion_seconds: float | None


@strawberry.type
class Slo:
    """A service level objective with its current budget and burn rates."""

    id: int
    name: str
    description: str
    sli_kind: str
    target: float
    window_kind: str
    window_days: int | None
    calendar_unit: str
    timezone: str
    service: Service | None
    group: SlaGroup | None
    status: SloStatus


@strawberry.type
class ReportFiles:
    json: ReportFile
    pdf: ReportFile


@strawberry.type
class DailyReport:
    """A daily report's metadata and the links of its JSON and PDF files."""

    id: int
    day: dt.date
    timezone: str
    schema_version: int
    generated_at: dt.datetime
    summary: JSON
    files: ReportFiles


@strawberry.type
class ServiceEdge:
    cursor: str
    node: Service


@strawberry.type
class ServiceConnection:
    edges: list[ServiceEdge]
    page_info: PageInfo


@strawberry.type
class SlaGroupEdge:
    cursor: str
    node: SlaGroup


@strawberry.type
class SlaGroupConnection:
    edges: list[SlaGroupEdge]
    page_info: PageInfo


@strawberry.type
class IncidentEdge:
    cursor: str
    node: Incident


@strawberry.type
class IncidentConnection:
    edges: list[IncidentEdge]
    page_info: PageInfo


@strawberry.type
class SloEdge:
    cursor: str
    node: Slo


@strawberry.type
class SloConnection:
    edges: list[SloEdge]
    page_info: PageInfo


@strawberry.type
class DailyReportEdge:
    cursor: str
    node: DailyReport


@strawberry.type
class DailyReportConnection:
    edges: list[DailyReportEdge]
    page_info: PageInfo
