"""How agreement events look in Slack, Teams and PagerDuty (integrations.channels): a
level change pages on Critical and resolves on Met; a violation is a message."""

from integrations.channels.notices import RESOLVE, TRIGGER, Notice, register_notice

SEVERITY = {"Met": "ok", "Broken": "warning", "Critical": "critical", "Unknown": "info"}


def _worst(kpis: list) -> str:
    order = ["Unknown", "Met", "Broken", "Critical"]
    levels = [kpi.get("level", "Unknown") for kpi in kpis if isinstance(kpi, dict)]
    return max(
        levels, key=lambda level: order.index(level) if level in order else 0, default="Unknown"
    )


def level_notice(event_type: str, payload, account: str) -> Notice:
    payload = payload if isinstance(payload, dict) else {}
    kpis = payload.get("KPIs") or []
    level = _worst(kpis)
    action = {"Critical": TRIGGER, "Met": RESOLVE}.get(level)
    return Notice(
        title=f"Agreement {payload.get('slaId', '')} of {payload.get('serviceId', '')}: {level}",
        severity=SEVERITY.get(level, "info"),
        summary="; ".join(f"{kpi.get('query')}: {kpi.get('level')}" for kpi in kpis[:10]),
        facts=[("Application", str(payload.get("serviceId", ""))), ("Level", level)],
        page_action=action,
        page_key=f"agreement:{payload.get('slaId', '')}",
        subject=str(payload.get("serviceId", "")),
        kind=event_type,
    )


def violation_notice(event_type: str, payload, account: str) -> Notice:
    entries = payload if isinstance(payload, list) else []
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    violations = [
        violation for kpi in first.get("KPIs") or [] for violation in (kpi.get("violations") or [])
    ]
    return Notice(
        title=f"Agreement {first.get('slaId', '')} violated",
        severity="warning",
        summary="; ".join(
            f"{v.get('constraint')}: "
            + ", ".join(f"{value.get('key')}={value.get('value')}" for value in v.get("values", []))
            for v in violations[:10]
        ),
        facts=[("Application", str(first.get("serviceId", "")))],
        subject=str(first.get("serviceId", "")),
        kind=event_type,
    )


def register_notices() -> None:
    register_notice("agreement.level_changed", level_notice, pages=True)
    register_notice("agreement.violation", violation_notice, pages=False)
