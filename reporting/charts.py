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
