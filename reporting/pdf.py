"""PDF rendering of a daily report: xhtml2pdf from a Django template, an embedded TTF font,
charts drawn server-side, and a strict resolver of everything the document links to.

`StaticOnlyLinks` (the link_callback) resolves only files under STATIC_ROOT and the static
directories (`/static/...`), plus the chart images this renderer made itself
(`chart:<key>`, handed over as bytes); anything else, a URL, a `../` path, a file outside
those directories, raises. The resource policy given to xhtml2pdf says the same again
(no network, reads confined to the static directories), so a link the callback did not
rewrite cannot be fetched either. Tenant text reaches the template as data and is escaped.

ReportLab's invariant mode fixes the document's creation date and ID, so the same report
data gives the same PDF bytes.
"""

import datetime as dt
import functools
import hashlib
import io
import logging
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from svglib.fonts import register_font as svg_register_font
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from reporting.charts import (
    ALL_SERVICES_COLOUR,
    Series,
    group_colours,
    uptime_strip_png,
    uptime_trend_svg,
)
from reporting.display import report_view

logger = logging.getLogger(__name__)
TEMPLATE = "reporting/daily_report.html"
CHART_SCHEME = "chart:"
MAX_TREND_SERIES = 8
FONT_FILE = "/static/fonts/DejaVuSans.ttf"
BASE_FONT = "SLAPortal-DejaVuSans"


class UnsafeResource(ValueError):
    """The document asked for something other than a static file or one of its charts."""


def static_roots() -> list[Path]:
    """STATIC_ROOT, STATICFILES_DIRS and every installed app's static directory."""
    roots = [Path(settings.STATIC_ROOT)]
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(entry[1] if isinstance(entry, tuple | list) else entry))
    for config in apps.get_app_configs():
        candidate = Path(config.path) / "static"
        if candidate.is_dir():
            roots.append(candidate)
    return [root.resolve() for root in roots if root.is_dir()]


def static_file(uri: str) -> Path:
    """The file a `/static/...` URI names, if it lies inside a static directory."""
    prefix = settings.STATIC_URL
    if not isinstance(uri, str) or not uri.startswith(prefix):
        raise UnsafeResource(f"only {prefix}... files may be linked, not {uri[:80]!r}")
    relative = uri[len(prefix) :]
    parts = PurePosixPath(relative).parts
    if not parts or any(part in {"..", "."} for part in parts) or relative.startswith("/"):
        raise UnsafeResource(f"not a plain static path: {uri[:80]!r}")
    if any(character in relative for character in "\\\x00?#:%"):
        raise UnsafeResource(f"not a plain static path: {uri[:80]!r}")
    for root in static_roots():
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise UnsafeResource(f"no such static file: {uri[:80]!r}")


class StaticOnlyLinks:
    """xhtml2pdf's link_callback: static files and this document's own charts, nothing else."""

    def __init__(self, charts: dict[str, bytes] | None = None):
        self.charts = charts or {}

    def __call__(self, uri, rel=None):
        if isinstance(uri, str) and uri.startswith(CHART_SCHEME):
            chart = self.charts.get(uri[len(CHART_SCHEME) :])
            if chart is None:
                raise UnsafeResource(f"unknown chart {uri[:80]!r}")
            return chart
        return str(static_file(uri))


def resource_policy() -> ResourceAccessPolicy:
    """No network at all; local reads only inside the static directories."""
    return ResourceAccessPolicy.server(
        base_dir=None,
        extra_roots=tuple(static_roots()),
        allow_remote=False,
        max_resources=20,
        max_render_seconds=600,
        max_document_bytes=200 * 1024 * 1024,
        max_depth=60,
    )


@functools.cache
def _register_fonts() -> str:
    """The embedded TTF as ReportLab's canvas font and as the charts' "DejaVu Sans", so no
    text of the document (page set-up, SVG labels) falls back to a non-embedded font."""
    path = str(static_file(FONT_FILE))
    pdfmetrics.registerFont(TTFont(BASE_FONT, path))
    svg_register_font("DejaVu Sans", path)
    return BASE_FONT


class _Charts:
    """Chart images of one document, keyed by content so equal strips are stored once."""

    def __init__(self):
        self.images: dict[str, bytes] = {}

    def add(self, content: bytes) -> str:
        key = hashlib.sha256(content).hexdigest()[:24]
        self.images.setdefault(key, content)
        return f"{CHART_SCHEME}{key}"

    def strip(self, values) -> str:
        return self.add(uptime_strip_png(values))


def _trend(data: dict, charts: _Charts) -> tuple[str, list[dict], str]:
    days = [dt.date.fromisoformat(day) for day in data["strip_days"]]
    colours = group_colours(group["name"] for group in data["groups"])
    groups = sorted(data["groups"], key=_mean_uptime)[: MAX_TREND_SERIES - 1]
    series = [Series("All services", tuple(data["summary"]["strip"]), ALL_SERVICES_COLOUR)]
    series += [
        Series(name=group["title"], values=tuple(group["strip"]), colour=colours[group["name"]])
        for group in sorted(groups, key=_title)
    ]
    svg = uptime_trend_svg(series, days, width=700, height=210, tooltips=False)
    legend = [{"name": line.name, "colour": line.colour} for line in series]
    note = ""
    if len(data["groups"]) > len(groups):
        note = f"{len(groups)} of {len(data['groups'])} groups shown: those with the lowest uptime."
    return charts.add(svg.encode()), legend, note


def _mean_uptime(group: dict) -> float:
    values = [value for value in group["strip"] if value is not None]
    return sum(values) / len(values) if values else 100.0


def _title(group: dict) -> str:
    return group["title"].lower()


def report_pdf_context(data: dict, charts: _Charts) -> dict:
    """The template context: the report's data made ready to print (texts, chart keys)."""
    zone = ZoneInfo(data["account"]["timezone"])
    view = report_view(data, zone=zone, strip=charts.strip)
    trend, legend, note = _trend(data, charts)
    return {"report": data, "view": view, "trend": trend, "legend": legend, "trend_note": note}


def render_report_pdf(data: dict) -> bytes:
    """The PDF of a report's data (deterministic for the same data)."""
    charts = _Charts()
    context = report_pdf_context(data, charts)
    html = render_to_string(TEMPLATE, context)
    output = io.BytesIO()
    previous = rl_config.invariant, rl_config.canvas_basefontname
    rl_config.invariant = 1  # fixed creation date and document ID: same data, same bytes
    rl_config.canvas_basefontname = _register_fonts()
    try:
        status = pisa.CreatePDF(
            html,
            dest=output,
            link_callback=StaticOnlyLinks(charts.images),
            resource_policy=resource_policy(),
            encoding="utf-8",
        )
    finally:
        rl_config.invariant, rl_config.canvas_basefontname = previous
    if status.err:
        raise RuntimeError(f"the PDF could not be rendered ({status.err} errors)")
    return output.getvalue()
