"""The operator's local time in the admin and dashboard.

Every instant an operator reads or types in the operator UI is in one named zone: the zone
of the account they work in (the dashboard's chosen account, else their first account by
name), UTC only for a platform operator who belongs to no account. `OperatorTimeMiddleware`
activates it for the request, so Django's forms read typed date-times in it and show stored
ones in it; the admin labels every date-time field and column with its name.
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.validators import known_timezones

OPERATOR_PATHS = ("/admin/", "/dashboard/")


@lru_cache(maxsize=1)
def zone_choices() -> list[tuple[str, str]]:
    """IANA zone names for a select box, UTC first, the rest alphabetical."""
    names = sorted(name for name in known_timezones() if name != "UTC")
    return [("UTC", "UTC"), *((name, name) for name in names)]


def operator_zone_name(request) -> str:
    """The zone name of the account the request's user works in (UTC without one)."""
    from accounts.context import ui_account

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "UTC"
    account = ui_account(request)
    return account.timezone if account is not None else "UTC"


def zone_label(zone_name: str | None = None, at: dt.datetime | None = None) -> str:
    """ "Europe/Berlin, UTC+01:00" for the zone (the active one by default) at `at` (now)."""
    name = zone_name or timezone.get_current_timezone_name()
    offset = (at or timezone.now()).astimezone(ZoneInfo(name)).strftime("%z")
    return f"{name}, UTC{offset[:3]}:{offset[3:]}"


class OperatorTimeMiddleware:
    """Activates the operator's zone on admin and dashboard pages (nowhere else: the API
    speaks UTC and the status page its own page zone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(OPERATOR_PATHS):
            return self.get_response(request)
        zone_name = operator_zone_name(request)
        request.operator_zone = zone_name
        with timezone.override(ZoneInfo(zone_name)):
            return self.get_response(request)
