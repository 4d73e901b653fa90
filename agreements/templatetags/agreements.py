"""``{% agreements_panel account %}``: the dashboard's agreements card."""

from django import template

from agreements.selectors import agreements_panel

register = template.Library()


@register.inclusion_tag("agreements/_panel.html")
def agreements_panel_card(account):
    return {"account": account, "panel": agreements_panel(account=account)}
