"""Charts drawn on the server: the uptime trend as SVG (dashboard and PDF) and 30-day uptime
strips as small PNGs (PDF; xhtml2pdf draws many small bitmaps much faster than SVGs).

Both are deterministic: the same figures give the same bytes. Labels inside the SVG are
numbers and dates only; names go into HTML legends, where the template escapes them.
"""

import datetime as dt
import io
import math
from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from PIL import Image, ImageDraw

SERIES_COLOURS = (
    "#2457c5",
    "#e07a00",
    "#2e9d57",
    "#8e44ad",
    "#c0392b",
    "#16a085",
    "#7f8c8d",
    "#b8860b",
)
STRIP_GOOD, STRIP_FAIR, STRIP_BAD, STRIP_NONE = "#2e9d57", "#e0a100", "#d23b3b", "#d7dbe2"
STRIP_GOOD_AT, STRIP_FAIR_AT = 99.9, 99.0
Y_FLOORS = (99.9, 99.5, 99.0, 98.0, 95.0, 90.0, 80.0, 50.0, 0.0)


def strip_colour(value: float | None) -> str:
    """Colour of a day in an uptime strip: >= 99.9 % green, >= 99 % amber, red below,
    grey without data."""
    if value is None:
        return STRIP_NONE
    if value >= STRIP_GOOD_AT:
        return STRIP_GOOD
    return STRIP_FAIR if value >= STRIP_FAIR_AT else STRIP_BAD


@lru_cache(maxsize=4096)
def _strip_png_cached(colours: tuple[str, ...], cell: int, gap: int, height: int) -> bytes:
    width = max(1, len(colours) * (cell + gap) - gap)
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    for index, colour in enumerate(colours):
        left = index * (cell + gap)
        draw.rectangle((left, 0, left + cell - 1, height - 1), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def uptime_strip_png(values: list[float | None], *, cell=6, gap=2, height=16) -> bytes:
    """A strip of one coloured cell per day (oldest first) as PNG bytes."""
    return _strip_png_cached(tuple(strip_colour(value) for value in values), cell, gap, height)


@dataclass(frozen=True)
class Series:
    """One line of the trend chart: a name (for the legend) and a value per day."""

    name: str
    values: tuple[float | None, ...]
    colour: str = SERIES_COLOURS[0]


def series_colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


# The line of all services together (PDF): a colour no group gets.
ALL_SERVICES_COLOUR = "#1d2330"


def group_colours(names) -> dict[str, str]:
    """One colour per SLA group by its place among all of the account's groups sorted by
    name, so the dashboard (worst groups first) and the PDF (by title) show a group in the
    same colour whatever else is drawn."""
    return {name: series_colour(index) for index, name in enumerate(sorted(set(names)))}


def _y_floor(series: list[Series]) -> float:
    present = [value for line in series for value in line.values if value is not None]
    lowest = min(present, default=100.0)
    return next((floor for floor in Y_FLOORS if floor < lowest), 0.0)


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _tick_label(value: float) -> str:
    return f"{value:g}%"


@dataclass(frozen=True)
class _Frame:
    left: int
    top: int
    right: int
    bottom: int
    low: float
    days: int

    def x(self, index: int) -> float:
        span = max(self.days - 1, 1)
        return self.left + (self.right - self.left) * index / span

    def y(self, value: float) -> float:
        clamped = min(max(value, self.low), 100.0)
        return self.bottom - (self.bottom - self.top) * (clamped - self.low) / (100.0 - self.low)


def _axes(frame: _Frame, days: list[dt.date]) -> list[str]:
    parts = []
    for value in (frame.low, (frame.low + 100.0) / 2, 100.0):
        y = _fmt(frame.y(value))
        parts.append(
            f'<line x1="{frame.left}" y1="{y}" x2="{frame.right}" y2="{y}" '
            f'stroke="#d5d9e0" stroke-width="1"/>'
            f'<text x="{frame.left - 6}" y="{_fmt(frame.y(value) + 4)}" text-anchor="end" '
            f'fill="#5b6475">{_tick_label(round(value, 2))}</text>'
        )
    if days:
        picks = sorted({0, (len(days) - 1) // 2, len(days) - 1})
        for index in picks:
            anchor = "start" if index == 0 else ("end" if index == len(days) - 1 else "middle")
            parts.append(
                f'<text x="{_fmt(frame.x(index))}" y="{frame.bottom + 16}" '
                f'text-anchor="{anchor}" fill="#5b6475">{days[index]:%Y-%m-%d}</text>'
            )
    return parts


def _segments(values: tuple[float | None, ...]) -> list[list[int]]:
    """Runs of consecutive days with a value (a missing day breaks the line)."""
    runs: list[list[int]] = []
    for index, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if runs and runs[-1]:
                runs.append([])
            continue
        if not runs:
            runs.append([])
        runs[-1].append(index)
    return [run for run in runs if run]


def _line(frame: _Frame, line: Series, days: list[dt.date], tooltips: bool) -> list[str]:
    parts = []
    for run in _segments(line.values):
        if len(run) == 1:
            index = run[0]
            parts.append(
                f'<circle cx="{_fmt(frame.x(index))}" cy="{_fmt(frame.y(line.values[index]))}" '
                f'r="2.5" fill="{line.colour}"/>'
            )
            continue
        points = " ".join(
            f"{_fmt(frame.x(index))},{_fmt(frame.y(line.values[index]))}" for index in run
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
            f'stroke-width="2" stroke-linejoin="round"/>'
        )
    if tooltips:
        for index, value in enumerate(line.values):
            if value is None:
                continue
            parts.append(
                f'<circle cx="{_fmt(frame.x(index))}" cy="{_fmt(frame.y(value))}" r="4" '
                f'fill="{line.colour}" fill-opacity="0"><title>{escape(line.name)} '
                f"{days[index]:%Y-%m-%d}: {value:.3f}%</title></circle>"
            )
    return parts


def uptime_trend_svg(
    series: list[Series],
    days: list[dt.date],
    *,
    width: int = 760,
    height: int = 230,
    tooltips: bool = True,
) -> str:
    """Daily uptime (percent) per series as an SVG line chart; the y axis starts at a round
    floor below the lowest value so small dips stay visible."""
    frame = _Frame(
        left=52, top=10, right=width - 12, bottom=height - 26, low=_y_floor(series), days=len(days)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="11" '
        f'role="img" aria-label="Daily uptime per group">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        *_axes(frame, days),
    ]
    for line in series:
        parts.extend(_line(frame, line, days, tooltips))
    if not any(value is not None for line in series for value in line.values):
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#5b6475">'
            "No uptime data for these days yet</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- rate chart

RATE_COLOUR, ERROR_COLOUR = "#2457c5", "#d23b3b"
_NICE_STEPS = (1, 2, 2.5, 5, 10)


def _nice_ceiling(value: float) -> float:
    """The smallest 1-2-2.5-5 x 10^n at or above `value` (an axis top that reads well)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in _NICE_STEPS if step * magnitude >= value)


def _rate_text(value: float) -> str:
    return f"{value:,.3g}" if value < 1000 else f"{value:,.0f}"


@dataclass(frozen=True)
class _Panel:
    top: float
    bottom: float
    high: float

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * min(value, self.high) / self.high


def _panel_axis(panel: _Panel, left: int, right: int, label) -> list[str]:
    parts = []
    for value in (0.0, panel.high / 2, panel.high):
        y = _fmt(panel.y(value))
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#d5d9e0" '
            f'stroke-width="1"/><text x="{left - 6}" y="{_fmt(panel.y(value) + 4)}" '
            f'text-anchor="end" fill="#5b6475">{label(value)}</text>'
        )
    return parts


def _series_path(xs: list[float], values: list[float | None], panel: _Panel, colour: str):
    parts = []
    run: list[str] = []
    for x, value in [*zip(xs, values, strict=True), (None, None)]:
        if value is None:
            if len(run) == 1:
                x_text, y_text = run[0].split(",")
                parts.append(f'<circle cx="{x_text}" cy="{y_text}" r="2" fill="{colour}"/>')
            elif run:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.6" stroke-linejoin="round"/>'
                )
            run = []
            continue
        run.append(f"{_fmt(x)},{_fmt(panel.y(value))}")
    return parts


def rate_chart_svg(
    points,
    *,
    zone,
    rate_label: str = "requests/s",
    error_label: str = "errors",
    show_rate: bool = True,
    width: int = 760,
    height: int = 260,
) -> str:
    """Request rate (top panel) and error rate (bottom panel, percent of requests) per step
    as an SVG; `points` are RatePoint-like (at, seconds, good, total), oldest first. Steps
    without requests break the error line (no rate to show). Deterministic, like the trend
    chart; labels are numbers and times only (in `zone`)."""
    left, right = 64, width - 12
    count = max(len(points), 1)
    xs = [left + (right - left) * (index + 0.5) / count for index in range(len(points))]
    rates = [point.total / point.seconds for point in points]
    errors = [
        None if not point.total else 100 * (point.total - point.good) / point.total
        for point in points
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="11" '
        f'role="img" aria-label="{escape(rate_label)} and {escape(error_label)} over time">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    error_top = 12
    if show_rate:
        rate_panel = _Panel(top=12, bottom=height * 0.45, high=_nice_ceiling(max(rates, default=0)))
        parts += _panel_axis(rate_panel, left, right, _rate_text)
        parts += _series_path(xs, rates, rate_panel, RATE_COLOUR)
        parts.append(
            f'<text x="{left + 4}" y="{rate_panel.top + 10}" fill="{RATE_COLOUR}">'
            f"{escape(rate_label)}</text>"
        )
        error_top = height * 0.45 + 18
    present = [value for value in errors if value is not None]
    error_panel = _Panel(
        top=error_top, bottom=height - 22, high=min(_nice_ceiling(max(present, default=1)), 100)
    )
    parts += _panel_axis(error_panel, left, right, lambda value: f"{value:g}%")
    parts += _series_path(xs, errors, error_panel, ERROR_COLOUR)
    parts.append(
        f'<text x="{left + 4}" y="{error_panel.top + 10}" fill="{ERROR_COLOUR}">'
        f"{escape(error_label)} (% of {'requests' if show_rate else 'time'})</text>"
    )
    parts += _time_labels(points, xs, zone, height)
    if not present:
        parts.append(
            f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#5b6475">'
            "No requests in this range yet</text>"
        )
    parts += _point_titles(points, xs, rates if show_rate else None, errors, height, zone)
    parts.append("</svg>")
    return "".join(parts)


def _time_labels(points, xs, zone, height: int) -> list[str]:
    if not points:
        return []
    span = points[-1].at - points[0].at
    pattern = "%H:%M" if span <= dt.timedelta(days=1) else "%m-%d %H:%M"
    picks = sorted({0, (len(points) - 1) // 2, len(points) - 1})
    parts = []
    for index in picks:
        anchor = "start" if index == 0 else ("end" if index == len(points) - 1 else "middle")
        text = points[index].at.astimezone(zone).strftime(pattern)
        parts.append(
            f'<text x="{_fmt(xs[index])}" y="{height - 6}" text-anchor="{anchor}" '
            f'fill="#5b6475">{text}</text>'
        )
    return parts


def _point_titles(points, xs, rates, errors, height: int, zone) -> list[str]:
    """An invisible column per step whose <title> names its figures (hover tooltips)."""
    if len(points) > 300:
        return []  # a 30-day chart: 720 titles would weigh more than the chart itself
    width = (xs[1] - xs[0]) if len(xs) > 1 else 10
    parts = []
    for index, (point, x, error) in enumerate(zip(points, xs, errors, strict=True)):
        if rates is None:
            text = "no data" if error is None else f"{error:.3g}% bad"
        else:
            error_text = "no requests" if error is None else f"{error:.3g}% errors"
            text = f"{point.total} requests ({_rate_text(rates[index])}/s), {error_text}"
        parts.append(
            f'<rect x="{_fmt(x - width / 2)}" y="0" width="{_fmt(width)}" height="{height}" '
            f'fill="#000" fill-opacity="0"><title>{point.at.astimezone(zone):%Y-%m-%d %H:%M}: '
            f"{text}</title></rect>"
        )
    return parts
