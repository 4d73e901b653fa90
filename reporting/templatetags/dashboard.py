"""Template filters of the dashboard: honest percentages (sla.display), budgets, burn rates."""

from decimal import Decimal

from django import template

from reporting.display import uptime_text
from sla.display import format_duration, format_percent
from sla.display import requirement_summary as summarise_requirement
from sla.engine.budget import as_fraction
from sla.engine.nines import exact_decimal
from sla.engine.spec import format_decimal

register = template.Library()


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


@register.filter
def written(value) -> str:
    """A target or level as written: 99.5, not 99.500000 (sla.engine.format_decimal)."""
    if value is None or value == "":
        return ""
    try:
        return format_decimal(value)
    except (TypeError, ValueError):
        return str(value)


@register.filter
def requirement_summary(requirement) -> str:
    """What a requirement asks, in words (sla.display.requirement_summary)."""
    return summarise_requirement(requirement)


@register.filter
def uptime(value) -> str:
    """Uptime percent shown against 100 %: only a perfect day reads 100.00%."""
    return uptime_text(_number(value))


@register.filter
def percent_vs(value, target) -> str:
    """A percentage with enough decimals to stay on its side of the target."""
    return format_percent(_number(value), _number(target))


@register.filter
def sli_percent(fraction, target) -> str:
    """An SLI given as a fraction (0.9991), shown in percent against its target."""
    value = _number(fraction)
    return format_percent(None if value is None else value * 100, _number(target))


@register.filter
def fraction_percent(fraction) -> str:
    value = _number(fraction)
    return "–" if value is None else f"{value * 100:.1f}%"


@register.filter
def spent_percent(remaining_fraction) -> str:
    value = _number(remaining_fraction)
    return "–" if value is None else f"{(1 - value) * 100:.1f}%"


@register.filter
def burn(value) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.2f}×"


@register.filter
def burn_at(rates, seconds) -> str:
    return burn((rates or {}).get(int(seconds)))


@register.filter
def seconds(value) -> str:
    number = _number(value)
    return format_duration(number)


@register.simple_tag
def requirement_percent(spec: dict, index: int, value, broken=None) -> str:
    """A requirement's value against its own target (from the SLA's engine JSON), on the
    side of the target the engine's exact decision (`broken`) put it."""
    requirements = (spec or {}).get("requirements") or []
    requirement = requirements[index] if index < len(requirements) else {}
    return format_percent(
        _number(value),
        _number(requirement.get("target")),
        broken=broken if isinstance(broken, bool) else None,
        comparison=requirement.get("comparison") or "min",
    )


@register.filter
def sli_figure(figure, target) -> str:
    """A window's SLI (an exact good/total) in percent against its target; "–" without
    data. The exact fraction is scaled before it becomes a float, so a figure equal to the
    target reads as the target."""
    sli = getattr(figure, "sli", None)
    return "–" if sli is None else format_percent(float(sli * 100), _number(target))


@register.filter
def figure_counts(figure, unit) -> str:
    """ "12 bad of 8,300" (requests) or "3 min bad of 15 min" (time, kept in microseconds)."""
    if not getattr(figure, "total", 0):
        return "no data"
    bad = figure.total - figure.good
    if unit == "minutes":
        return f"{format_duration(bad / 1e6)} bad of {format_duration(figure.total / 1e6)}"
    return f"{bad:,} bad of {figure.total:,}"


@register.filter
def target_text(value) -> str:
    """A target as written (99.9, 99.95, 100), without padding zeros."""
    if value is None:
        return "–"
    text = repr(value) if isinstance(value, float) else format(Decimal(value).normalize(), "f")
    return (text[:-2] if text.endswith(".0") else text) + "%"


@register.filter
def sli_below(sli, target) -> bool:
    """An exact SLI (a fraction) below its target percent."""
    return sli is not None and target is not None and sli * 100 < as_fraction(target)


@register.filter
def period_days(days) -> str:
    """A period length in days or hours, exactly (365 d, 30.4375 d, 1 h)."""
    if days < 1:
        return f"{exact_decimal(days * 24)} h"
    return f"{exact_decimal(days)} d"
