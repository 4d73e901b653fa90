"""A daily report's data made ready to print: texts, colours and the chart of each row.

Percentages go through sla.display.format_percent (never rounded across a target); uptime
is shown against 100 %, so only a perfect day reads "100.00%". Times are shown in the
account's time zone.
"""

import datetime as dt
from collections.abc import Callable

from sla.display import format_duration, format_percent, format_target

UPTIME_CLASSES = ((99.9, "good"), (99.0, "fair"))
STATE_ORDER = ("BROKEN", "CRIT", "WARN", "OK", "NODATA")


def uptime_text(value: float | None) -> str:
    return format_percent(value)  # cut, never rounded up: only a perfect day reads 100.00%


def uptime_class(value: float | None) -> str:
    if value is None:
        return "none"
    return next((name for floor, name in UPTIME_CLASSES if value >= floor), "bad")


def _instant(text: str | None, zone) -> str:
    if not text:
        return "–"
    instant = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def _budget_text(budget: dict | None) -> str:
    if not budget or budget.get("remaining_fraction") is None:
        return ""
    remaining = budget["remaining_fraction"] * 100
    if remaining < 0:
        return f"overspent by {format_duration(-budget['remaining_seconds'])}"
    return f"{remaining:.0f}% of budget left"


def requirement_text(requirement: dict) -> str:
    """'99.95% (≥ 99.9%), budget 52% left' or '1 outage (max 3)'."""
    if requirement["state"] == "NODATA":
        return "no data"
    if requirement["kind"] == "percentage":
        sign = "≥" if requirement["comparison"] == "min" else "≤"
        value = format_percent(
            requirement["value"],
            requirement["target"],
            broken=requirement.get("broken"),
            comparison=requirement["comparison"],
        )
        budget = _budget_text(requirement.get("budget"))
        head = f"{value} ({sign} {format_target(requirement['target'])})"
        return f"{head}, {budget}" if budget else head
    count = requirement["count"] or 0
    plural = "outage" if count == 1 else "outages"
    return f"{count} {plural} (max {requirement['max_count']})"


def period_text(sla: dict, zone) -> str:
    """'2026-11-01 – 2026-11-30 (to date)' in the SLA's period, shown in `zone`."""
    start = _instant(sla["period_start"], zone)[:10]
    end = dt.datetime.fromisoformat(sla["period_end"].replace("Z", "+00:00")).astimezone(zone)
    last_day = f"{(end - dt.timedelta(microseconds=1)).date():%Y-%m-%d}"
    period = start if start == last_day else f"{start} – {last_day}"
    return period + ("" if sla["complete"] else " (to date)")


def sla_view(sla: dict | None, zone) -> dict | None:
    if sla is None:
        return None
    return {
        "id": sla["id"],
        "title": sla["title"],
        "state": sla["state"],
        "period": period_text(sla, zone),
        "requirements": [
            {"title": item["title"], "state": item["state"], "text": requirement_text(item)}
            for item in sla["requirements"]
        ],
    }


def _sla_periods(data: dict, zone) -> list[dict]:
    """Each SLA of the report once: its period to date and how many services it covers."""
    seen: dict = {}
    for _, entry in _subjects(data):
        sla = entry["sla"]
        if sla is None:
            continue
        row = seen.setdefault(
            (sla["id"], sla["period_start"]),
            {
                "title": sla["title"],
                "period": f"{sla['period']}, {period_text(sla, zone)}",
                "count": 0,
                "states": {},
            },
        )
        row["count"] += 1
        row["states"][sla["state"]] = row["states"].get(sla["state"], 0) + 1
    rows = sorted(seen.values(), key=lambda row: row["title"].lower())
    for row in rows:
        row["states"] = ", ".join(
            f"{row['states'][state]} {state}" for state in STATE_ORDER if state in row["states"]
        )
    return rows


def _subject_view(entry: dict, zone, strip: Callable) -> dict:
    uptime = entry["uptime"]["percent"] if entry["uptime"] else None
    return {
        "uptime": uptime_text(uptime),
        "uptime_class": uptime_class(uptime),
        "sla": sla_view(entry["sla"], zone),
        "incidents": len(entry["incidents"]),
        "strip": strip(entry["strip"]),
    }


def _service_view(service: dict, zone, strip: Callable) -> dict:
    return {
        "name": service["name"],
        "path": service["path"],
        **_subject_view(service, zone, strip),
    }


def _group_view(group: dict, zone, strip: Callable) -> dict:
    members = group["services"]
    view = {
        "title": group["title"],
        "name": group["name"],
        "size": len(members),
        **_subject_view(group, zone, strip),
        "services": [_service_view(service, zone, strip) for service in members],
    }
    view["incidents"] += sum(len(service["incidents"]) for service in members)
    view["common_sla"] = common_sla(view["services"])
    return view


def common_sla(services: list[dict]) -> str | None:
    """The SLA title every one of these services has (then rows need not repeat it)."""
    titles = {service["sla"]["title"] if service["sla"] else None for service in services}
    return titles.pop() if len(titles) == 1 else None


def _subjects(data: dict):
    """(subject name, entry) for every group and service that has figures of its own."""
    for group in data["groups"]:
        yield f"group {group['title']}", group
        for service in group["services"]:
            yield service["name"], service
    for service in data["ungrouped_services"]:
        yield service["name"], service


def _incident_views(data: dict, zone) -> list[dict]:
    rows = []
    for subject, entry in _subjects(data):
        for incident in entry["incidents"]:
            rows.append(
                {
                    "sort": (incident["start"], subject),
                    "subject": subject,
                    "start": _instant(incident["start"], zone),
                    "end": _instant(incident["end"], zone) if incident["end"] else "ongoing",
                    "worst": incident["worst_state"],
                    "duration": format_duration(incident["duration_seconds"]),
                    "in_day": format_duration(incident["seconds_in_day"]),
                }
            )
    return sorted(rows, key=lambda row: row["sort"])


def _downtime_views(data: dict, zone) -> list[dict]:
    pairs = [("whole account", downtime) for downtime in data["downtimes"]]
    for subject, entry in _subjects(data):
        pairs.extend((subject, downtime) for downtime in entry["downtimes"])
    rows = [
        {
            "sort": (downtime["start"], subject),
            "subject": subject,
            "reason": downtime["reason"],
            "start": _instant(downtime["start"], zone),
            "end": _instant(downtime["end"], zone),
            "in_day": format_duration(downtime["seconds_in_day"]),
        }
        for subject, downtime in pairs
    ]
    return sorted(rows, key=lambda row: row["sort"])


def _slo_views(data: dict) -> list[dict]:
    rows = []
    for subject, entry in _subjects(data):
        for slo in entry["slos"]:
            budget = slo["budget"]
            remaining = budget["remaining_fraction"]
            rows.append(
                {
                    "name": slo["name"],
                    "subject": subject,
                    "target": f"{slo['target']:g}%",
                    "sli": format_percent(budget["sli"], slo["target"]),
                    "remaining": "–" if remaining is None else f"{remaining * 100:.1f}%",
                    "state": "BROKEN" if remaining is not None and remaining < 0 else "OK",
                    "burn_hour": _burn(slo["burn_rates"].get("1h")),
                    "burn_day": _burn(slo["burn_rates"].get("day")),
                }
            )
    return rows


def _burn(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _kpis(summary: dict) -> list[dict]:
    states = summary["sla_states"]
    at_risk = states["WARN"] + states["CRIT"]
    return [
        {"label": "Services", "value": str(summary["services"]), "class": ""},
        {
            "label": "Uptime (all services)",
            "value": uptime_text(summary["uptime_percent"]),
            "class": uptime_class(summary["uptime_percent"]),
        },
        {
            "label": "SLAs broken / at risk",
            "value": f"{states['BROKEN']} / {at_risk}",
            "class": "bad" if states["BROKEN"] else ("fair" if at_risk else "good"),
        },
        {"label": "Incidents", "value": str(summary["incidents"]), "class": ""},
        {"label": "Downtimes", "value": str(summary["downtimes"]), "class": ""},
    ]


def report_view(data: dict, *, zone, strip: Callable) -> dict:
    """Everything the PDF template prints, derived from the report's data only."""
    day = dt.date.fromisoformat(data["day"])
    groups = [_group_view(group, zone, strip) for group in data["groups"]]
    ungrouped = [_service_view(service, zone, strip) for service in data["ungrouped_services"]]
    return {
        "day": f"{day:%A, %d %B %Y}",
        "range": f"{_instant(data['range']['start'], zone)} – "
        f"{_instant(data['range']['end'], zone)} ({data['account']['timezone']})",
        "kpis": _kpis(data["summary"]),
        "sla_periods": _sla_periods(data, zone),
        "groups": groups,
        "ungrouped": ungrouped,
        "ungrouped_sla": common_sla(ungrouped),
        "slos": _slo_views(data),
        "incidents": _incident_views(data, zone),
        "downtimes": _downtime_views(data, zone),
    }
