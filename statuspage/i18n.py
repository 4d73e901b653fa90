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
        "nines_label": "allowed downtime",
        "nines_intro": "{target} allows at most",
        "nines_intro_max": "A limit of {target} allows at most",
        "nines_year": "a year (365 days)",
        "nines_quarter": "a quarter (91.3125 days)",
        "nines_month": "a month (30.4375 days)",
        "nines_week": "a week",
        "nines_day": "a day",
        "nines_hour": "an hour",
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
        "nines_label": "erlaubte Ausfallzeit",
        "nines_intro": "{target} erlaubt höchstens",
        "nines_intro_max": "Ein Höchstwert von {target} erlaubt höchstens",
        "nines_year": "pro Jahr (365 Tage)",
        "nines_quarter": "pro Quartal (91,3125 Tage)",
        "nines_month": "pro Monat (30,4375 Tage)",
        "nines_week": "pro Woche",
        "nines_day": "pro Tag",
        "nines_hour": "pro Stunde",
        "decimal_comma": "yes",
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


# Subscriptions (statuspage.subscriptions): the form, the link pages and the mails.
# "{page}", "{hours}", "{when}" are filled in with str.replace (titles may hold braces).
SUBSCRIPTION_TEXT = {
    "en": {
        "subscribe": "Subscribe to updates",
        "subscribe_intro": (
            "Get an email when an incident is opened, updated or resolved, and when "
            "maintenance is scheduled, starts and ends."
        ),
        "subscribe_email": "Email address",
        "subscribe_scope": "Components",
        "subscribe_all": "All components (also those added later)",
        "subscribe_some": "Only the components ticked below",
        "subscribe_submit": "Subscribe",
        "subscribe_sent_title": "Check your inbox",
        "subscribe_sent": (
            "If this address can receive updates, we have sent it a link to confirm the "
            "subscription. Nothing else is sent before it is confirmed."
        ),
        "subscribe_throttled": "Too many subscription requests from your network; try again later.",
        "subscribe_bad_email": "Enter a valid email address.",
        "subscribe_no_component": "Tick at least one component, or choose all components.",
        "subscribe_unknown_component": "A chosen component does not exist on this page.",
        "subscribe_privacy": "Your address is used for these updates only.",
        "confirm_title": "Confirm your subscription",
        "confirm_question": "Receive status updates of {page} at this address?",
        "confirm_button": "Confirm subscription",
        "confirm_done": "You are subscribed to updates of {page}.",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_done": "You are unsubscribed from {page}: no more updates will be sent.",
        "link_invalid": (
            "This link is not valid or has expired. You can subscribe again on the status page."
        ),
        "mail_confirm_subject": "Confirm your subscription to {page}",
        "mail_confirm_intro": (
            "Someone (hopefully you) asked to receive status updates of {page} at this "
            "address. Confirm to start receiving them:"
        ),
        "mail_confirm_change": (
            "Someone (hopefully you) asked to change which status updates of {page} this "
            "address receives. Confirm the change:"
        ),
        "mail_confirm_ignore": (
            "If it was not you, ignore this mail: nothing else will be sent. The link "
            "expires in {hours} hours."
        ),
        "mail_all_components": "all components",
        "mail_footer": "You receive this because you subscribed to status updates of {page}.",
        "mail_unsubscribe": "Unsubscribe",
        "mail_view_incident": "View the incident",
        "mail_view_maintenance": "View the maintenance",
        "mail_maintenance": "Maintenance",
        "mail_reminder": "Reminder: maintenance starts {when}",
        "mail_window": "Window",
        "mail_impact": "Impact",
        "mail_test_subject": "Test message from {page}",
        "mail_test_body": "This is a test message: notifications of {page} reach this address.",
        "new_incident": "New incident",
    },
    "de": {
        "subscribe": "Updates abonnieren",
        "subscribe_intro": (
            "Erhalten Sie eine E-Mail, wenn eine Störung gemeldet, aktualisiert oder behoben "
            "wird und wenn Wartungsarbeiten geplant werden, beginnen und enden."
        ),
        "subscribe_email": "E-Mail-Adresse",
        "subscribe_scope": "Komponenten",
        "subscribe_all": "Alle Komponenten (auch später hinzugefügte)",
        "subscribe_some": "Nur die unten angekreuzten Komponenten",
        "subscribe_submit": "Abonnieren",
        "subscribe_sent_title": "Bitte prüfen Sie Ihr Postfach",
        "subscribe_sent": (
            "Wenn diese Adresse Updates erhalten kann, haben wir ihr einen Link zur "
            "Bestätigung gesendet. Vor der Bestätigung wird nichts weiter gesendet."
        ),
        "subscribe_throttled": (
            "Zu viele Anmeldungen aus Ihrem Netz; bitte versuchen Sie es später erneut."
        ),
        "subscribe_bad_email": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        "subscribe_no_component": (
            "Bitte kreuzen Sie mindestens eine Komponente an oder wählen Sie alle Komponenten."
        ),
        "subscribe_unknown_component": "Eine gewählte Komponente gibt es auf dieser Seite nicht.",
        "subscribe_privacy": "Ihre Adresse wird nur für diese Updates verwendet.",
        "confirm_title": "Abonnement bestätigen",
        "confirm_question": "Status-Updates von {page} an diese Adresse erhalten?",
        "confirm_button": "Abonnement bestätigen",
        "confirm_done": "Sie haben die Updates von {page} abonniert.",
        "unsubscribe_title": "Abbestellen",
        "unsubscribe_done": "Sie haben {page} abbestellt: Es werden keine Updates mehr gesendet.",
        "link_invalid": (
            "Dieser Link ist ungültig oder abgelaufen. Sie können sich auf der Statusseite "
            "erneut anmelden."
        ),
        "mail_confirm_subject": "Bestätigen Sie Ihr Abonnement von {page}",
        "mail_confirm_intro": (
            "Jemand (hoffentlich Sie) möchte Status-Updates von {page} an diese Adresse "
            "erhalten. Bitte bestätigen Sie:"
        ),
        "mail_confirm_change": (
            "Jemand (hoffentlich Sie) möchte ändern, welche Status-Updates von {page} diese "
            "Adresse erhält. Bitte bestätigen Sie die Änderung:"
        ),
        "mail_confirm_ignore": (
            "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Es wird nichts weiter "
            "gesendet. Der Link läuft in {hours} Stunden ab."
        ),
        "mail_all_components": "alle Komponenten",
        "mail_footer": (
            "Sie erhalten diese E-Mail, weil Sie Status-Updates von {page} abonniert haben."
        ),
        "mail_unsubscribe": "Abbestellen",
        "mail_view_incident": "Störung ansehen",
        "mail_view_maintenance": "Wartung ansehen",
        "mail_maintenance": "Wartung",
        "mail_reminder": "Erinnerung: Die Wartung beginnt {when}",
        "mail_window": "Zeitraum",
        "mail_impact": "Auswirkung",
        "mail_test_subject": "Testnachricht von {page}",
        "mail_test_body": "Dies ist eine Testnachricht: Benachrichtigungen von {page} kommen an.",
        "new_incident": "Neue Störung",
    },
}
for _language, _words in SUBSCRIPTION_TEXT.items():
    TEXT[_language].update(_words)


def fill(text: str, **values: str) -> str:
    """`text` with each "{name}" replaced by its value (safe for titles holding braces)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
