"""SVG badges (shields.io "flat" look) for a page or a component: status and uptime.

Texts are stripped of characters XML cannot carry and XML-escaped; widths come from a
Verdana 11 px width table so badges need no font metrics at run time.
"""

from xml.sax.saxutils import escape

from sla.display import format_percent
from statuspage import rollup
from statuspage.selectors.components import ComponentView
from statuspage.selectors.snapshot import PageSnapshot
from statuspage.text import xml_safe

GREY = "#555"
NO_DATA = "#9f9f9f"
STATUS_COLOURS = {
    rollup.OPERATIONAL: "#2f9e5b",
    rollup.DEGRADED: "#e5b000",
    rollup.PARTIAL: "#e6730f",
    rollup.MAJOR: "#d23b3b",
    rollup.MAINTENANCE: "#3f78d8",
}
INDICATOR_COLOURS = {
    "none": "#2f9e5b",
    "minor": "#e5b000",
    "major": "#e6730f",
    "critical": "#d23b3b",
    "maintenance": "#3f78d8",
}
NARROW = set("fijlrt.,:;!|'()[] ")
WIDE = set("mwMW@%")
MAX_TEXT = 60


def _text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in NARROW:
            width += 4.0
        elif char in WIDE:
            width += 10.0
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.6
    return int(width + 0.5)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def badge(label: str, message: str, colour: str) -> bytes:
    """A two-part badge; label and message are cleaned and escaped here."""
    label, message = _clip(xml_safe(label)), _clip(xml_safe(message))
    label_width = _text_width(label) + 12
    message_width = _text_width(message) + 12
    width = label_width + message_width
    title = escape(f"{label}: {message}", {'"': "&quot;"})
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{label_width}" height="20" fill="{GREY}"/>'
        f'<rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_width / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{label_width + message_width / 2:.1f}" y="14">{escape(message)}</text>'
        "</g></svg>"
    )
    return svg.encode()


def uptime_colour(value: float | None) -> str:
    if value is None:
        return NO_DATA
    if value >= 99.9:
        return "#2f9e5b"
    if value >= 99.0:
        return "#9cc43c"
    if value >= 95.0:
        return "#e5b000"
    return "#d23b3b"


def page_badge(snapshot: PageSnapshot, kind: str) -> bytes:
    if kind == "uptime":
        value = snapshot.uptime_90
        message = format_percent(value, None) if value is not None else "no data"
        return badge("uptime 90d", message, uptime_colour(value))
    return badge("status", snapshot.description, INDICATOR_COLOURS[snapshot.indicator])


def component_badge(component: ComponentView, kind: str) -> bytes:
    if kind == "uptime":
        value = component.uptime_90
        message = format_percent(value, None) if value is not None else "no data"
        return badge(f"{component.name} uptime", message, uptime_colour(value))
    return badge(component.name, component.status_label, STATUS_COLOURS[component.status])


def favicon(snapshot: PageSnapshot) -> bytes:
    """A dot in the colour of the page's banner."""
    colour = INDICATOR_COLOURS[snapshot.indicator]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
        f'<circle cx="8" cy="8" r="7" fill="{colour}"/></svg>'
    ).encode()
