"""Atlassian Statuspage public API v2 shapes (summary.json and friends), field for field.

Field names and enums follow the Statuspage v2 public API so existing clients read these
documents unchanged. Times are ISO 8601 with milliseconds in the page's time zone, as
Statuspage writes them.
"""

import datetime as dt
import json

from statuspage.selectors.components import ComponentView, SectionView
from statuspage.selectors.incidents import IncidentView, UpdateView
from statuspage.selectors.maintenances import MaintenanceView
from statuspage.selectors.snapshot import PageSnapshot

LIST_LIMIT = 50


def _time(value: dt.datetime | None, snapshot: PageSnapshot) -> str | None:
    if value is None:
        return None
    return value.astimezone(snapshot.zone).isoformat(timespec="milliseconds")


def page_json(snapshot: PageSnapshot) -> dict:
    return {
        "id": snapshot.page.public_id,
        "name": snapshot.page.title,
        "url": snapshot.url,
        "time_zone": snapshot.page.time_zone,
        "updated_at": _time(snapshot.updated_at, snapshot),
    }


def status_json(snapshot: PageSnapshot) -> dict:
    return {"indicator": snapshot.indicator, "description": snapshot.description}


def component_json(component: ComponentView, snapshot: PageSnapshot) -> dict:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status,
        "created_at": _time(component.created_at, snapshot),
        "updated_at": _time(component.updated_at, snapshot),
        "position": component.display_position,
        "description": component.description or None,
        "showcase": component.showcase,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.section_id,
        "page_id": snapshot.page.public_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def section_json(section: SectionView, snapshot: PageSnapshot) -> dict:
    return {
        "id": section.id,
        "name": section.name,
        "status": section.status,
        "created_at": _time(section.created_at, snapshot),
        "updated_at": _time(
            max([section.updated_at, *(c.updated_at for c in section.components)]), snapshot
        ),
        "position": section.display_position,
        "description": section.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": snapshot.page.public_id,
        "group": True,
        "only_show_if_degraded": False,
        "components": [component.id for component in section.components],
    }


def components_json(snapshot: PageSnapshot) -> list[dict]:
    """Groups and components in page order, groups followed by their members."""
    rows = []
    for item in snapshot.top_level:
        if isinstance(item, SectionView):
            rows.append(section_json(item, snapshot))
            rows.extend(component_json(member, snapshot) for member in item.components)
        else:
            rows.append(component_json(item, snapshot))
    return rows


def _update_json(update: UpdateView, incident_id: str, snapshot: PageSnapshot) -> dict:
    return {
        "id": update.id,
        "status": update.status,
        "body": update.body,
        "incident_id": incident_id,
        "created_at": _time(update.created_at, snapshot),
        "updated_at": _time(update.updated_at, snapshot),
        "display_at": _time(update.display_at, snapshot),
        "affected_components": update.affected_components,
        "deliver_notifications": False,
        "custom_tweet": None,
        "tweet_id": None,
    }


def shortlink(snapshot: PageSnapshot, incident_id: str) -> str:
    return f"{snapshot.url}/incidents/{incident_id}"


def incident_json(incident: IncidentView, snapshot: PageSnapshot) -> dict:
    by_pk = snapshot.component_by_pk
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": _time(incident.created_at, snapshot),
        "updated_at": _time(incident.updated_at, snapshot),
        "monitoring_at": _time(incident.monitoring_at, snapshot),
        "resolved_at": _time(incident.resolved_at, snapshot),
        "impact": incident.impact,
        "shortlink": shortlink(snapshot, incident.id),
        "started_at": _time(incident.started_at, snapshot),
        "page_id": snapshot.page.public_id,
        "incident_updates": [_update_json(u, incident.id, snapshot) for u in incident.updates],
        "components": [
            component_json(by_pk[pk], snapshot)
            for pk in sorted(incident.component_statuses, key=lambda pk: by_pk[pk].display_position)
        ],
    }


def maintenance_json(item: MaintenanceView, snapshot: PageSnapshot) -> dict:
    by_pk = snapshot.component_by_pk
    return {
        "id": item.id,
        "name": item.name,
        "status": item.status,
        "created_at": _time(item.created_at, snapshot),
        "updated_at": _time(item.updated_at, snapshot),
        "monitoring_at": _time(item.monitoring_at, snapshot),
        "resolved_at": _time(item.resolved_at, snapshot),
        "impact": item.impact,
        "shortlink": f"{snapshot.url}/maintenances/{item.id}",
        "started_at": _time(item.started_at, snapshot),
        "page_id": snapshot.page.public_id,
        "incident_updates": [_update_json(u, item.id, snapshot) for u in item.updates],
        "components": [
            component_json(by_pk[pk], snapshot)
            for pk in sorted(item.component_pks, key=lambda pk: by_pk[pk].display_position)
        ],
        "scheduled_for": _time(item.scheduled_for, snapshot),
        "scheduled_until": _time(item.scheduled_until, snapshot),
    }


def _dump(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def summary(snapshot: PageSnapshot) -> bytes:
    """Components, unresolved incidents, upcoming and in-progress maintenances, status."""
    maintenances = [item for item in snapshot.maintenances if item.is_active or item.is_upcoming]
    return _dump(
        {
            "page": page_json(snapshot),
            "components": components_json(snapshot),
            "incidents": [incident_json(i, snapshot) for i in snapshot.unresolved_incidents],
            "scheduled_maintenances": [maintenance_json(m, snapshot) for m in maintenances],
            "status": status_json(snapshot),
        }
    )


def status(snapshot: PageSnapshot) -> bytes:
    return _dump({"page": page_json(snapshot), "status": status_json(snapshot)})


def components(snapshot: PageSnapshot) -> bytes:
    return _dump({"page": page_json(snapshot), "components": components_json(snapshot)})


def incidents(snapshot: PageSnapshot, *, unresolved: bool = False) -> bytes:
    chosen = snapshot.unresolved_incidents if unresolved else snapshot.incidents[:LIST_LIMIT]
    return _dump(
        {"page": page_json(snapshot), "incidents": [incident_json(i, snapshot) for i in chosen]}
    )


def scheduled_maintenances(snapshot: PageSnapshot, *, which: str = "all") -> bytes:
    """`all` (50 newest), `upcoming` (scheduled) or `active` (in progress or verifying)."""
    if which == "upcoming":
        chosen = snapshot.upcoming_maintenances
    elif which == "active":
        chosen = snapshot.active_maintenances
    else:
        chosen = snapshot.maintenances[:LIST_LIMIT]
    return _dump(
        {
            "page": page_json(snapshot),
            "scheduled_maintenances": [maintenance_json(m, snapshot) for m in chosen],
        }
    )
