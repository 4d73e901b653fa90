"""The public page's own words in its languages (English, German).

A small in-code catalogue rather than gettext: the page is rendered thousands of times per
cold render (one label per day bar), so lookups must be plain dictionary reads. The JSON
API stays in English, as Statuspage's does.
"""

import datetime as dt

WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "de": ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
}
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "de": ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
}
MONTHS_LONG = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
}

TEXT = {
    "en": {
        "none": "All Systems Operational",
        "minor": "Minor Service Outage",
        "major": "Partial System Outage",
        "critical": "Major Service Outage",
        "maintenance": "Service Under Maintenance",
        "operational": "Operational",
        "degraded_performance": "Degraded Performance",
        "partial_outage": "Partial Outage",
        "major_outage": "Major Outage",
        "under_maintenance": "Under Maintenance",
        "investigating": "Investigating",
        "identified": "Identified",
        "monitoring": "Monitoring",
        "resolved": "Resolved",
        "postmortem": "Postmortem",
        "scheduled": "Scheduled",
        "in_progress": "In progress",
        "verifying": "Verifying",
        "completed": "Completed",
        "impact_none": "No impact",
        "impact_minor": "Minor impact",
        "impact_major": "Major impact",
        "impact_critical": "Critical impact",
        "impact_maintenance": "Maintenance",
        "uptime": "uptime",
        "no_data": "no data",
        "major_outage_short": "major outage",
        "partial_outage_short": "partial outage",
        "maintenance_short": "maintenance",
        "days_ago": "90 days ago",
        "today": "Today",
        "strip_label": "uptime per day, last 90 days",
        "sla_target": "target",
        "sla_at_most": "at most",
        "sla_below": "below target",
        "sla_above": "above limit",
        "sla_state_OK": "up",
        "sla_state_WARN": "degraded",
        "sla_state_CRIT": "outage",
        "sla_state_UNKNOWN": "unknown state",
        "period_daily": "today",
        "period_weekly": "this week",
        "period_monthly": "this month",
        "period_quarterly": "this quarter",
        "period_yearly": "this year",
        "active_incidents": "Active incidents",
        "maintenances": "Scheduled maintenance",
        "past_incidents": "Past incidents",
        "no_incidents_day": "No incidents reported.",
        "no_incidents_month": "No incidents reported this month.",
        "history": "Incident history",
        "view_history": "Incident history",
        "back": "Current status",
        "affected": "Affected",
        "scheduled_for": "Scheduled for",
        "until": "until",
        "times_in": "Times in",
        "feeds": "Feeds",
        "api": "JSON API",
        "badge": "Status badge",
        "password_title": "This status page is private",
        "password_label": "Password",
        "password_submit": "Show status",
        "password_wrong": "Wrong password.",
        "password_throttled": "Too many attempts; wait a few minutes.",
        "skip": "Skip to incidents",
        "components": "Components",
        "legend": "Bars: one per day; colour by weighted outage minutes (grey: no data).",
        "uptime_help": (
            "Uptime: the share of monitored time without outage; a major outage counts "
            "fully, a partial outage (degraded) 30 %."
        ),
        "sla_help": (
            "SLA figure: the measure of the service agreement, taken as the contract says "
            "(its hours, its treatment of maintenance) in the current period."
        ),
        "powered": "Powered by SLA Portal",
        "incident": "Incident",
        "maintenance_title": "Maintenance",
        "last_updated": "Updated",
    },
    "de": {
        "none": "Alle Systeme betriebsbereit",
        "minor": "Geringfügige Störung",
        "major": "Teilweiser Systemausfall",
        "critical": "Schwerer Dienstausfall",
        "maintenance": "Wartungsarbeiten",
        "operational": "Betriebsbereit",
        "degraded_performance": "Eingeschränkte Leistung",
        "partial_outage": "Teilausfall",
        "major_outage": "Ausfall",
        "under_maintenance": "In Wartung",
        "investigating": "Untersuchung",
        "identified": "Ursache erkannt",
        "monitoring": "Beobachtung",
        "resolved": "Behoben",
        "postmortem": "Nachbetrachtung",
        "scheduled": "Geplant",
        "in_progress": "Läuft",
        "verifying": "Prüfung",
        "completed": "Abgeschlossen",
        "impact_none": "Keine Auswirkung",
        "impact_minor": "Geringe Auswirkung",
        "impact_major": "Große Auswirkung",
        "impact_critical": "Kritische Auswirkung",
        "impact_maintenance": "Wartung",
        "uptime": "Verfügbarkeit",
        "no_data": "keine Daten",
        "major_outage_short": "Ausfall",
        "partial_outage_short": "Teilausfall",
        "maintenance_short": "Wartung",
        "days_ago": "vor 90 Tagen",
        "today": "Heute",
        "strip_label": "Verfügbarkeit pro Tag, letzte 90 Tage",
        "sla_target": "Ziel",
        "sla_at_most": "höchstens",
        "sla_below": "unter Ziel",
        "sla_above": "über Höchstwert",
        "sla_state_OK": "verfügbar",
        "sla_state_WARN": "eingeschränkt",
        "sla_state_CRIT": "Ausfall",
        "sla_state_UNKNOWN": "unbekannter Zustand",
        "period_daily": "heute",
        "period_weekly": "diese Woche",
        "period_monthly": "diesen Monat",
        "period_quarterly": "dieses Quartal",
        "period_yearly": "dieses Jahr",
        "active_incidents": "Aktuelle Störungen",
        "maintenances": "Geplante Wartung",
        "past_incidents": "Vergangene Störungen",
        "no_incidents_day": "Keine Störungen gemeldet.",
        "no_incidents_month": "Keine Störungen in diesem Monat.",
        "history": "Störungsverlauf",
        "view_history": "Störungsverlauf",
        "back": "Aktueller Status",
        "affected": "Betroffen",
        "scheduled_for": "Geplant für",
        "until": "bis",
        "times_in": "Zeiten in",
        "feeds": "Feeds",
        "api": "JSON-API",
        "badge": "Status-Badge",
        "password_title": "Diese Statusseite ist geschützt",
        "password_label": "Passwort",
        "password_submit": "Status anzeigen",
        "password_wrong": "Falsches Passwort.",
        "password_throttled": "Zu viele Versuche; bitte einige Minuten warten.",
        "skip": "Zu den Störungen springen",
        "components": "Komponenten",
        "uptime_help": (
            "Verfügbarkeit: Anteil der überwachten Zeit ohne Ausfall; ein Ausfall zählt "
            "ganz, ein Teilausfall (eingeschränkt) zu 30 %."
        ),
        "sla_help": (
            "SLA-Wert: das Maß der Servicevereinbarung, gemessen wie vereinbart (ihre "
            "Zeiten, ihre Behandlung von Wartung) in der laufenden Periode."
        ),
        "legend": (
            "Balken: einer pro Tag; Farbe nach gewichteten Ausfallminuten (grau: keine Daten)."
        ),
        "powered": "Bereitgestellt von SLA Portal",
        "incident": "Störung",
        "maintenance_title": "Wartung",
        "last_updated": "Aktualisiert",
    },
}


def catalogue(language: str) -> dict[str, str]:
    return TEXT.get(language, TEXT["en"])


def day_name(day: dt.date, language: str) -> str:
    """ "Sat 21 Nov 2026" (en) or "Sa 21. Nov 2026" (de)."""
    weekday = WEEKDAYS.get(language, WEEKDAYS["en"])[day.weekday()]
    month = MONTHS.get(language, MONTHS["en"])[day.month - 1]
    if language == "de":
        return f"{weekday} {day.day}. {month} {day.year}"
    return f"{weekday} {day.day} {month} {day.year}"


def month_name(year: int, month: int, language: str) -> str:
    return f"{MONTHS_LONG.get(language, MONTHS_LONG['en'])[month - 1]} {year}"


def moment(value: dt.datetime, language: str) -> str:
    """ "21 Nov 2026, 14:05" (local time already applied by the caller)."""
    return f"{day_name(value.date(), language)}, {value:%H:%M}"
