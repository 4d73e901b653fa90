"""GraphQL types of the three SLA queries of the ITOps plugin surface: `slaDashboardStats`,
`slaPeriodResults` and `slaTrendData`. Their fields are those of the REST answers
(`dashboard/stats`, `dashboard/period-results`, `dashboard/trend`), camelCased."""

import datetime as dt

import strawberry

from slaportal.graphql.pagination import PageInfo


@strawberry.type
class ServiceRef:
    """A service as the dashboard names it (`name`: its display name)."""

    id: int
    path: str
    name: str


@strawberry.type
class GroupRef:
    id: int
    name: str


@strawberry.type
class SlaRef:
    id: int
    title: str


# --------------------------------------------------------------------------- stats


@strawberry.type
class AccountInfo:
    slug: str
    name: str
    timezone: str


@strawberry.type
class StateCount:
    """Services in one current state (`NONE`: no event yet)."""

    state: str
    count: int


@strawberry.type
class ServiceStates:
    total: int
    by_state: list[StateCount]


@strawberry.type
class DashboardIncident:
    id: int
    service: ServiceRef | None
    group: GroupRef | None
    started_at: dt.datetime
    worst_state: str
    state: str
    duration_seconds: float


@strawberry.type
class DashboardIncidents:
    open: int
    latest: list[DashboardIncident]


@strawberry.type
class RequirementFigure:
    title: str
    state: str
    value: float | None
    remaining: float | None


@strawberry.type
class AtRiskItem:
    """A service whose SLA is WARN, CRIT or BROKEN in the current period."""

    service: ServiceRef
    sla: SlaRef
    period_start: dt.datetime
    period_end: dt.datetime
    state: str
    requirements: list[RequirementFigure]


@strawberry.type
class AtRisk:
    total: int
    items: list[AtRiskItem]


@strawberry.type
class RequirementBurn:
    """A percentage requirement's budget spent so far in its current period."""

    service: ServiceRef
    sla: SlaRef
    requirement: str
    target: float | None
    value: float | None
    budget_seconds: float | None
    consumed_seconds: float | None
    remaining_seconds: float | None
    remaining_fraction: float | None
    burn_rate: float | None


@strawberry.type
class SloBurn:
    id: int
    name: str
    service: ServiceRef | None
    group: GroupRef | None
    target: float
    sli: float | None
    consumed_fraction: float | None
    remaining_fraction: float | None
    burn_rate_1h: float | None


@strawberry.type
class BurnLeaders:
    requirements: list[RequirementBurn]
    slos: list[SloBurn]


@strawberry.type
class ReportFile:
    """A report file's download link (Bearer token) and checksum."""

    url: str
    sha256: str
    size: int | None = None


@strawberry.type
class ReportLink:
    id: int
    day: dt.date
    generated_at: dt.datetime
    json: ReportFile
    pdf: ReportFile


@strawberry.type
class SlaOverview:
    services_with_sla: int
    at_risk: AtRisk
    burn_leaders: BurnLeaders
    reports: list[ReportLink]


@strawberry.type
class SlaDashboardStats:
    """Services by state, open incidents, SLAs at risk, burn leaders, latest reports."""

    account: AccountInfo
    generated_at: dt.datetime
    sla_enabled: bool
    services: ServiceStates
    incidents: DashboardIncidents
    sla: SlaOverview | None


# --------------------------------------------------------------------------- period results


@strawberry.type
class PeriodRequirement:
    title: str
    kind: str
    state: str
    value: float | None = None
    remaining: float | None = None
    count: int | None = None


@strawberry.type
class PeriodFigure:
    """One period of a service's SLA; `state` null: no stored result."""

    start: dt.datetime
    end: dt.datetime
    complete: bool | None
    state: str | None
    requirements: list[PeriodRequirement] | None = None


@strawberry.type
class PeriodSla:
    id: int
    title: str
    period: str
    timezone: str


@strawberry.type
class PeriodResultRow:
    service: ServiceRef
    sla: PeriodSla
    periods: list[PeriodFigure]


@strawberry.type
class PeriodResultEdge:
    cursor: str
    node: PeriodResultRow


@strawberry.type
class SlaPeriodResults:
    """Rule-assigned services (by path) with their SLA's last N periods."""

    edges: list[PeriodResultEdge]
    page_info: PageInfo
    total_count: int
    last: int


# --------------------------------------------------------------------------- trend


@strawberry.type
class StateSeconds:
    ok: int
    warn: int
    crit: int
    unknown: int
    unmonitored: int
    downtime: int


@strawberry.type
class TrendGroup:
    id: int
    name: str
    title: str
    mean_uptime_percent: float | None
    uptime_percent: list[float | None]
    seconds: list[StateSeconds | None]


@strawberry.type
class SlaTrendData:
    """Daily uptime of SLA groups over the last N days (account time zone)."""

    timezone: str
    days: list[dt.date]
    total_groups: int
    groups: list[TrendGroup]
