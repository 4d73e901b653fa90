"""Server-rendered HTML of the public pages.

The page skeleton is a Django template; the 90-day strips (one element per day and
component, 9,000 for 100 components) are built here with plain string joins, which keeps a
cold render of a large page far below the template engine's per-node cost.
"""

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sla.display import format_percent, format_target
from sla.engine.nines import allowed_downtime
from statuspage import i18n
from statuspage.selectors.components import ComponentView, SectionView
from statuspage.selectors.snapshot import PageSnapshot
from statuspage.uptime import format_minutes


def day_text(name: str, figures, t: dict) -> str:
    """What a day bar says on hover, focus and to screen readers ("Sat 21 Nov 2026: ...")."""
    if figures is None or figures.monitored <= 0:
        return f"{name}: {t['no_data']}"
    parts = [f"{name}: {format_percent(figures.uptime, None)} {t['uptime']}"]
    if figures.major_seconds > 0:
        parts.append(f"{t['major_outage_short']} {format_minutes(figures.major_seconds)}")
    if figures.partial_seconds > 0:
        parts.append(f"{t['partial_outage_short']} {format_minutes(figures.partial_seconds)}")
    if figures.downtime > 0:
        parts.append(f"{t['maintenance_short']} {format_minutes(figures.downtime)}")
    return ", ".join(parts)


def day_names(days, language: str) -> dict:
    return {day: i18n.day_name(day, language) for day in days}


def strip_html(component: ComponentView, t: dict, names: dict) -> SafeString:
    """The keyboard- and screen-reader-usable 90-day strip of one component.

    One element per day (9,000 for 100 components), so this is plain string building with
    the common cases (no data, a perfect day) short-cut. Day texts hold digits, catalogue
    words and dates only; the component name is escaped.
    """
    label = escape(f"{component.name}: {t['strip_label']}")
    no_data = f": {t['no_data']}</span></li>"
    perfect = f": 100% {t['uptime']}</span></li>"
    parts = [f'<ol class="strip" aria-label="{label}">']
    append = parts.append
    for day, figures in component.days:
        name = names[day]
        if figures is None or figures.monitored <= 0:
            append(f"<li tabindex=0 class=dn><span>{name}{no_data}")
        elif not (figures.crit or figures.warn or figures.unknown or figures.downtime):
            append(f"<li tabindex=0 class=d0><span>{name}{perfect}")
        else:
            level = figures.level
            append(f"<li tabindex=0 class=d{level}><span>{day_text(name, figures, t)}</span></li>")
    append("</ol>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped / known-safe parts


def sla_text(component: ComponentView, t: dict) -> str:
    """The SLA statement: "99.95% this month, target 99.9%", or for a `max` requirement
    "0.42% outage this month, at most 1%".

    The figure goes through sla.display.format_percent with its target, so it is never
    shown on the other side of the target than it is (5.004 against at most 5 reads
    "5.004%", not "5.00%").
    """
    figure = component.sla
    if figure is None:
        return ""
    value = format_percent(
        figure.value, figure.target, broken=figure.broken, comparison=figure.comparison
    )
    period = t.get(f"period_{figure.period}", figure.period_phrase)
    if figure.comparison == "max":
        state = t.get(f"sla_state_{figure.measured_state}", figure.measured_state)
        text = f"{value} {state} {period}"
        if figure.target is not None:
            text += f", {t['sla_at_most']} {format_target(figure.target)}"
        return text
    text = f"{value} {period}"
    if figure.target is not None:
        text += f", {t['sla_target']} {format_target(figure.target)}"
    return text


def sla_nines_text(component: ComponentView, t: dict) -> str:
    """The allowed downtime of the SLA's target per period (the nines table in one
    sentence), exact: "99.9% allows at most 8 h 45 min 36 s a year (365 days), ...". For a
    `max` requirement ("at most 1% outage") the allowed time is the target's share."""
    figure = component.sla
    if figure is None or figure.target is None or not 0 <= figure.target <= 100:
        return ""
    comparison = "max" if figure.comparison == "max" else "min"
    rows = allowed_downtime(figure.target, comparison)
    decimal_comma = t.get("decimal_comma") == "yes"
    parts = []
    for row in rows:
        text = row.text.replace(".", ",") if decimal_comma else row.text
        parts.append(f"{text} {t['nines_' + row.period.name]}")
    intro = t["nines_intro_max" if comparison == "max" else "nines_intro"]
    return f"{intro.format(target=format_target(figure.target))} {', '.join(parts)}."


def sla_missed_text(component: ComponentView, t: dict) -> str:
    """What a broken SLA figure is marked with ("below target", or "above limit" for max)."""
    figure = component.sla
    if figure is None or figure.result_state != "BROKEN":
        return ""
    return t["sla_above"] if figure.comparison == "max" else t["sla_below"]


@dataclass
class ComponentRow:
    """A component prepared for the template."""

    component: ComponentView
    strip: SafeString
    uptime: str
    sla: str
    sla_missed: str
    sla_nines: str = ""

    @property
    def sla_broken(self) -> bool:
        return bool(self.sla_missed)


def _row(component: ComponentView, t: dict, names: dict) -> ComponentRow:
    return ComponentRow(
        component=component,
        strip=strip_html(component, t, names) if component.showcase else mark_safe(""),
        uptime=(
            format_percent(component.uptime_90, None) if component.uptime_90 is not None else ""
        ),
        sla=sla_text(component, t),
        sla_missed=sla_missed_text(component, t),
        sla_nines=sla_nines_text(component, t),
    )


def _layout(snapshot: PageSnapshot, t: dict, language: str) -> list[dict]:
    """Top-level items: sections with their visible rows, or single components."""
    names = day_names(snapshot.days, language)
    items = []
    for item in snapshot.top_level:
        if isinstance(item, SectionView):
            rows = [_row(c, t, names) for c in item.visible_components]
            if rows:
                items.append({"section": item, "rows": rows})
        elif item.visible:
            items.append({"section": None, "rows": [_row(item, t, names)]})
    return items


def _context(snapshot: PageSnapshot, base: str, **extra) -> dict:
    language = snapshot.page.language
    t = i18n.catalogue(language)
    return {
        "snap": snapshot,
        "page": snapshot.page,
        "t": t,
        "lang": language,
        "zone": snapshot.zone,
        "base": base,
        "names": {c.pk: c.name for c in snapshot.components},
        **extra,
    }


def _bytes(template: str, context: dict) -> bytes:
    return render_to_string(template, context).encode()


def index(snapshot: PageSnapshot, base: str) -> bytes:
    context = _context(snapshot, base)
    since = snapshot.now - dt.timedelta(days=7)
    context.update(
        layout=_layout(snapshot, context["t"], context["lang"]),
        past=[i for i in snapshot.incidents if i.is_resolved and i.started_at >= since],
        days_first=snapshot.days[0] if snapshot.days else None,
    )
    return _bytes("statuspage/index.html", context)


def history(
    snapshot: PageSnapshot, base: str, months: int = 12, since: dt.datetime | None = None
) -> bytes:
    """Incidents by month, newest month first: the last `months` months, but none before
    the month of `since` (the page's first data or incident), so a new page does not list
    empty months back to last year."""
    context = _context(snapshot, base)
    local_now = snapshot.now.astimezone(snapshot.zone)
    first = (since or snapshot.now).astimezone(snapshot.zone)
    by_month: OrderedDict[tuple[int, int], list] = OrderedDict()
    year, month = local_now.year, local_now.month
    for _ in range(months):
        by_month[(year, month)] = []
        if (year, month) <= (first.year, first.month):
            break
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for incident in snapshot.incidents:
        started = incident.started_at.astimezone(snapshot.zone)
        key = (started.year, started.month)
        if key in by_month:
            by_month[key].append(incident)
    context["months"] = [
        {"name": i18n.month_name(y, m, context["lang"]), "incidents": items}
        for (y, m), items in by_month.items()
    ]
    return _bytes("statuspage/history.html", context)


def incident_page(snapshot: PageSnapshot, base: str, incident) -> bytes:
    context = _context(snapshot, base, incident=incident)
    return _bytes("statuspage/incident.html", context)


def maintenance_page(snapshot: PageSnapshot, base: str, maintenance) -> bytes:
    context = _context(snapshot, base, maintenance=maintenance)
    return _bytes("statuspage/maintenance.html", context)


def password_form(page, base: str, error: str = "", request=None) -> str:
    t = i18n.catalogue(page.language)
    context = {"page": page, "t": t, "lang": page.language, "base": base, "error": error}
    return render_to_string("statuspage/password.html", context, request=request)
