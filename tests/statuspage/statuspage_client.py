"""A minimal Statuspage v2 public API client, written against Atlassian's documentation only.

It stands for the tools customers already run against Statuspage pages: it knows nothing
about SLA Portal, builds typed objects from the documented fields (a missing or unknown
field raises TypeError) and parses every timestamp.
"""

import datetime as dt
from dataclasses import dataclass, fields


def _time(value):
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without offset: {value}")
    return parsed


def _build(cls, raw: dict, **nested):
    values = dict(raw)
    for field in fields(cls):
        if field.name in nested:
            values[field.name] = nested[field.name]
        elif field.name.endswith("_at") or field.name.startswith("scheduled_"):
            values[field.name] = _time(values.get(field.name, "missing"))
    return cls(**values)


@dataclass
class Page:
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: dt.datetime


@dataclass
class Status:
    indicator: str
    description: str


@dataclass
class Component:
    id: str
    name: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    position: int
    description: str | None
    showcase: bool
    start_date: str | None
    group_id: str | None
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: list | None = None  # present on component groups


@dataclass
class IncidentUpdate:
    id: str
    status: str
    body: str
    incident_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    display_at: dt.datetime
    affected_components: list | None
    deliver_notifications: bool = False
    custom_tweet: str | None = None
    tweet_id: str | None = None


@dataclass
class Incident:
    id: str
    name: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    monitoring_at: dt.datetime | None
    resolved_at: dt.datetime | None
    impact: str
    shortlink: str
    started_at: dt.datetime
    page_id: str
    incident_updates: list
    components: list


@dataclass
class ScheduledMaintenance(Incident):
    scheduled_for: dt.datetime = None
    scheduled_until: dt.datetime = None


@dataclass
class Summary:
    page: Page
    components: list
    incidents: list
    scheduled_maintenances: list
    status: Status


def _incident(cls, raw):
    return _build(
        cls,
        raw,
        incident_updates=[_build(IncidentUpdate, u) for u in raw["incident_updates"]],
        components=[_build(Component, c) for c in raw["components"]],
    )


class StatuspageClient:
    """`get(path) -> parsed JSON`, paths relative to the page's /api/v2/."""

    def __init__(self, get):
        self.get = get

    def summary(self) -> Summary:
        raw = self.get("summary.json")
        return Summary(
            page=_build(Page, raw["page"]),
            components=[_build(Component, c) for c in raw["components"]],
            incidents=[_incident(Incident, i) for i in raw["incidents"]],
            scheduled_maintenances=[
                _incident(ScheduledMaintenance, m) for m in raw["scheduled_maintenances"]
            ],
            status=Status(**raw["status"]),
        )

    def status(self) -> Status:
        return Status(**self.get("status.json")["status"])

    def components(self) -> list[Component]:
        return [_build(Component, c) for c in self.get("components.json")["components"]]

    def incidents(self, unresolved: bool = False) -> list[Incident]:
        path = "incidents/unresolved.json" if unresolved else "incidents.json"
        return [_incident(Incident, i) for i in self.get(path)["incidents"]]

    def scheduled_maintenances(self, which: str = "") -> list[ScheduledMaintenance]:
        path = f"scheduled-maintenances/{which}.json" if which else "scheduled-maintenances.json"
        rows = self.get(path)["scheduled_maintenances"]
        return [_incident(ScheduledMaintenance, m) for m in rows]
