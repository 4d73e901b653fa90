"""The licence's optional `max_services`: creating services beyond it is refused with a
clear error (API, admin, import, and services created on first sight by status events,
request counts and Alertmanager alerts). Applies with SLA_LICENSE_REQUIRED only, while the
licence switches the SLA features on; events of existing services are stored as always."""

from django.conf import settings

from licensing.selectors import account_license_status
from sla.models import Service


def service_limit(account) -> int | None:
    """The licence's `max_services` for the account (None: no limit applies)."""
    if not settings.SLA_LICENSE_REQUIRED:
        return None
    status = account_license_status(account=account)
    return status.claims.max_services if status.allows_sla else None


def service_room(account) -> int | None:
    """How many more services the licence allows (None: no limit)."""
    limit = service_limit(account)
    if limit is None:
        return None
    return max(0, limit - Service.objects.for_account(account).count())


def service_limit_message(limit: int) -> str:
    return (
        f"the licence allows at most {limit} services (max_services), and this account has {limit}"
    )


def creatable_paths(account, missing: list[str]) -> tuple[list[str], list[str]]:
    """(paths that may be created, paths beyond the licence's limit), in the given order."""
    room = service_room(account)
    if room is None:
        return missing, []
    return missing[:room], missing[room:]


def service_create_refusal(account) -> str:
    """Why one more service cannot be created ("" when it can)."""
    room = service_room(account)
    if room is None or room > 0:
        return ""
    return service_limit_message(service_limit(account))
