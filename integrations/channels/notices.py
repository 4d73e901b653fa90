"""Operator events as notices: one neutral shape (title, severity, summary, figures, link,
and for paging whether an alert opens or closes under which key) that each channel kind
renders (integrations.channels.formats).

A builder per event type; `register_notice` lets a later event type (agreement
violations ...) add its own. Event types without a builder still reach Slack and Teams
(their title and text); PagerDuty takes only events whose notice opens or closes an alert.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

SEVERITIES = ("critical", "error", "warning", "info", "ok")
TRIGGER, RESOLVE = "trigger", "resolve"


@dataclass
class Notice:
    """What a channel message says."""

    title: str
    severity: str  # one of SEVERITIES ("ok": something recovered)
    summary: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    link: tuple[str, str] | None = None  # (text, url)
    page_action: str | None = None  # TRIGGER, RESOLVE or None (not for paging)
    page_key: str = ""  # the alert's dedup key (PagerDuty `dedup_key`)
    subject: str = ""  # what it is about (PagerDuty `component`)
    kind: str = ""  # PagerDuty `group`/`class`
    at: str | None = None  # ISO time of the event


Builder = Callable[[str, dict, str], Notice]
_BUILDERS: dict[str, tuple[Builder, bool]] = {}


def register_notice(event_type: str, builder: Builder, *, pages: bool) -> None:
    """`builder(event_type, payload, account_slug) -> Notice`; `pages`: PagerDuty takes it."""
    _BUILDERS[event_type] = (builder, pages)


def shows(channel_kind: str, event_type: str) -> bool:
    """Whether a channel of this kind shows this event type."""
    if channel_kind == "pagerduty":
        return _BUILDERS.get(event_type, (None, False))[1]
    return True


def _base() -> str:
    return settings.SLA_PUBLIC_BASE_URL


def _percent(value) -> str:
    if value is None:
        return "-"
    return f"{float(value):.4g}%"


def _burn(value) -> str:
    return "-" if value is None else f"{float(value):.3g}x"


def _duration(seconds) -> str:
    seconds = int(seconds or 0)
    if seconds % 86400 == 0 and seconds >= 86400:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def slo_alert_notice(event_type: str, payload: dict, account: str) -> Notice:
    alert, slo, budget = payload.get("alert", {}), payload.get("slo", {}), payload.get("budget")
    firing = event_type == "slo.alert.firing"
    subject = slo.get("service") or slo.get("group") or ""
    long_window, short_window = alert.get("long_window_seconds"), alert.get("short_window_seconds")
    facts = [
        ("SLO", f"{slo.get('name')} ({subject})"),
        ("Target", _percent(slo.get("target"))),
        (f"Burn rate {_duration(long_window)}", _burn(alert.get("long_burn_rate"))),
        (f"Burn rate {_duration(short_window)}", _burn(alert.get("short_burn_rate"))),
        ("Threshold", _burn(alert.get("threshold"))),
        ("Severity", str(alert.get("severity"))),
    ]
    if isinstance(budget, dict) and budget.get("remaining_fraction") is not None:
        facts.append(("Budget left", _percent(100 * float(budget["remaining_fraction"]))))
    severity = "ok"
    if firing:
        severity = "critical" if alert.get("severity") == "page" else "warning"
    return Notice(
        title=payload.get("title") or event_type,
        severity=severity,
        summary=(
            f"Error budget of SLO {slo.get('name')} burning at {_burn(alert.get('long_burn_rate'))}"
            f" over {_duration(long_window)}."
            if firing
            else f"SLO {slo.get('name')}: the burn-rate alert is resolved."
        ),
        facts=facts,
        link=("Open the SLO", f"{_base()}/admin/sla/slo/{slo.get('id')}/change/"),
        page_action=TRIGGER if firing else RESOLVE,
        page_key=f"sla-portal/{account}/slo-alert/{alert.get('id')}",
        subject=subject,
        kind="slo.burn_rate",
        at=alert.get("fired_at") if firing else alert.get("resolved_at"),
    )


LEVEL_SEVERITY = {"BROKEN": "critical", "CRIT": "error", "WARN": "warning", "OK": "ok"}


def sla_level_notice(event_type: str, payload: dict, account: str) -> Notice:
    new_state = payload.get("new_state")
    subject = payload.get("service") or payload.get("group") or ""
    sla = payload.get("sla", {})
    subject_key = f"service:{payload['service']}" if payload.get("service") else f"group:{subject}"
    return Notice(
        title=payload.get("title") or event_type,
        severity=LEVEL_SEVERITY.get(new_state, "info"),
        summary=f"SLA {sla.get('title')} for {subject} is {new_state} in the current period.",
        facts=[
            ("SLA", str(sla.get("title"))),
            ("Subject", subject),
            ("Level", f"{payload.get('old_state') or 'none'} → {new_state}"),
            ("Period from", str(payload.get("period_start"))),
        ],
        link=("Open the dashboard", f"{_base()}/dashboard/"),
        page_action=RESOLVE if new_state == "OK" else TRIGGER,
        page_key=f"sla-portal/{account}/sla-level/{sla.get('id')}/{subject_key}/"
        f"{payload.get('period_start')}",
        subject=subject,
        kind="sla.level",
        at=payload.get("changed_at"),
    )


def daily_report_notice(event_type: str, payload: dict, account: str) -> Notice:
    report, summary = payload.get("report", {}), payload.get("summary", {}) or {}
    states = summary.get("sla_states") or {}
    pdf = (payload.get("files") or {}).get("pdf") or {}
    return Notice(
        title=payload.get("title") or f"Daily SLA report {report.get('day')}",
        severity="info",
        summary=f"Daily SLA report of {report.get('day')} ({report.get('timezone')}).",
        facts=[
            ("Services", str(summary.get("services", 0))),
            ("Uptime", _percent(summary.get("uptime_percent"))),
            ("SLAs broken", str(states.get("BROKEN", 0))),
            ("Incidents", str(summary.get("incidents", 0))),
        ],
        link=("Download the PDF", pdf.get("dashboard_url") or f"{_base()}/dashboard/"),
        kind="sla.daily_report",
        at=report.get("generated_at"),
    )


def generic_notice(event_type: str, payload: dict, account: str) -> Notice:
    return Notice(
        title=str(payload.get("title") or event_type),
        severity=str(payload.get("severity") or "info"),
        summary=str(payload.get("text") or ""),
        kind=event_type,
    )


def notice_for(event_type: str, payload: dict, account: str) -> Notice:
    builder, _ = _BUILDERS.get(event_type, (generic_notice, False))
    notice = builder(event_type, payload, account)
    if notice.severity not in SEVERITIES:
        notice.severity = "info"
    return notice


register_notice("slo.alert.firing", slo_alert_notice, pages=True)
register_notice("slo.alert.resolved", slo_alert_notice, pages=True)
register_notice("sla.level_changed", sla_level_notice, pages=True)
register_notice("sla.daily_report", daily_report_notice, pages=False)


def test_notice(event_type: str, payload: dict, account: str) -> Notice:
    """ "Send test": a harmless message; to PagerDuty an info alert resolved right after."""
    return Notice(
        title=str(payload.get("title") or "Test"),
        severity="info",
        summary=str(payload.get("text") or ""),
        page_action=payload.get("action"),
        page_key=str(payload.get("key") or ""),
        kind="test",
    )


register_notice("channel.test", test_notice, pages=True)
