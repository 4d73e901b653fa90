"""Template filters of the SLA view pages."""

from django import template

register = template.Library()


@register.filter
def share(value) -> str:
    """A share met (0-1 or None) as a percentage; never rounded up to 100%."""
    if value is None:
        return "–"
    percent = int(value * 10000) / 100  # truncated: 99.999% met is not shown as 100%
    return f"{percent:.2f}%"
