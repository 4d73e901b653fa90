"""Template helpers of the public pages: local times, catalogue words, affected names."""

from django import template

from statuspage import i18n

register = template.Library()


@register.simple_tag(takes_context=True)
def moment(context, value):
    """A UTC instant as local time of the page: "Sat 21 Nov 2026, 14:05"."""
    if value is None:
        return ""
    return i18n.moment(value.astimezone(context["zone"]), context["lang"])


@register.simple_tag(takes_context=True)
def iso(context, value):
    return value.astimezone(context["zone"]).isoformat(timespec="minutes") if value else ""


@register.filter
def word(catalogue: dict, key) -> str:
    """`{{ t|word:incident.status }}`: the catalogue's word, or the key itself."""
    return catalogue.get(str(key), str(key))


@register.filter
def affected_names(item, names: dict) -> str:
    """Public names of the components an incident or maintenance affects."""
    pks = getattr(item, "component_pks", None)
    if pks is None:
        pks = list(getattr(item, "component_statuses", {}))
    return ", ".join(names[pk] for pk in pks if pk in names)
