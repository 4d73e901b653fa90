"""The SLO error budget burn-down: an SVG line of the remaining budget over the window,
drawn on the server (SVG attributes only: no inline style, so it works under the strict
Content-Security-Policy). Shown in the admin and on the dashboard's SLO page."""

import datetime as dt

from sla.selectors.slo import slo_snapshots

MAX_DAYS = 92
STEP = dt.timedelta(hours=6)


def slo_burn_down_svg(slo, *, now: dt.datetime) -> str:
    """The burn-down of `slo` over its rolling window (at most 92 days) up to `now`."""
    days = slo.window_days if slo.window_kind == "rolling" else MAX_DAYS
    points = slo_snapshots(
        account=slo.account,
        slo=slo,
        start=now - dt.timedelta(days=min(days, MAX_DAYS)),
        end=now,
        now=now,
        step=STEP,
    )
    return burn_down_svg(points)


CHART_WIDTH, CHART_HEIGHT, PAD = 640, 220, 36


def burn_down_svg(points: list[dict]) -> str:
    """An inline SVG line chart of the remaining budget fraction (100 % .. below 0)."""
    values = [p["budget_remaining_fraction"] for p in points]
    known = [v for v in values if v is not None]
    if not known:
        return "No data yet: the buckets fill in within a minute of the periodic job."
    low = min(0.0, min(known))
    high = max(1.0, max(known))
    width, height = CHART_WIDTH - 2 * PAD, CHART_HEIGHT - 2 * PAD

    def x(index):
        return PAD + (width * index / max(len(values) - 1, 1))

    def y(value):
        return PAD + height * (high - value) / (high - low)

    line = " ".join(
        f"{x(index):.1f},{y(value):.1f}" for index, value in enumerate(values) if value is not None
    )
    zero, full = y(0.0), y(1.0)
    first, last = points[0]["at"], points[-1]["at"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        'role="img" aria-label="Error budget burn-down">',
        # The frame is a rect, not a style attribute (the admin's CSP allows no inline style).
        f'<rect x="0.5" y="0.5" width="{CHART_WIDTH - 1}" height="{CHART_HEIGHT - 1}" '
        'fill="#fff" stroke="#ddd"/>',
        f'<line x1="{PAD}" y1="{zero:.1f}" x2="{PAD + width}" y2="{zero:.1f}" stroke="#c00" '
        'stroke-dasharray="4 3"/>',
        f'<line x1="{PAD}" y1="{full:.1f}" x2="{PAD + width}" y2="{full:.1f}" stroke="#999" '
        'stroke-dasharray="2 3"/>',
        f'<text x="4" y="{full + 4:.1f}" font-size="11">100%</text>',
        f'<text x="4" y="{zero + 4:.1f}" font-size="11" fill="#c00">0%</text>',
        f'<polyline fill="none" stroke="#2a6ebb" stroke-width="2" points="{line}"/>',
        f'<text x="{PAD}" y="{CHART_HEIGHT - 8}" font-size="11">{first:%Y-%m-%d}</text>',
        f'<text x="{PAD + width - 70}" y="{CHART_HEIGHT - 8}" font-size="11">'
        f"{last:%Y-%m-%d}</text>",
        "</svg>",
    ]
    return "".join(parts)
