"""SLO and alert-policy writes."""

from django.db import transaction

from sla.models import SLO, AlertPolicy, BurnRateWindow
from sla.sli_kinds import plugins

# Changing any of these changes what the buckets hold: recompute them from scratch.
BUCKET_FIELDS = {
    "service",
    "group",
    "sli_kind",
    "latency_threshold_ms",
    "latency_percentile",
    "window_kind",
    "window_days",
    "calendar_unit",
    "timezone",
    "time_period",
    "options",
}


def _plugin_data(fields: dict) -> list[tuple]:
    """Take the nested settings of registered SLI kinds (sla.sli_kinds) out of `fields`."""
    return [
        (plugin, fields.pop(plugin.api_field))
        for plugin in plugins()
        if plugin.api_field and plugin.api_field in fields
    ]


def _plugin_save(account, slo: SLO, extra: list[tuple], created: bool) -> None:
    for plugin, data in extra:
        if data is not None and plugin.save is not None:
            plugin.save(account=account, slo=slo, data=data, created=created)


def slo_create(*, account, **fields) -> SLO:
    extra = _plugin_data(fields)
    slo = SLO(account=account, **fields)
    slo.full_clean()
    with transaction.atomic():
        slo.save()
        _plugin_save(account, slo, extra, created=True)
    return slo


def slo_update(*, account, slo: SLO, **fields) -> SLO:
    """Apply changes; a change of subject, SLI or window rebuilds the buckets."""
    if slo.account_id != account.pk:  # not an assert: `python -O` would drop it
        raise ValueError("an SLO is only ever changed through its own account")
    extra = _plugin_data(fields)
    rebuild = False
    for name, value in fields.items():
        if getattr(slo, name) != value and name in BUCKET_FIELDS:
            rebuild = True
        setattr(slo, name, value)
    slo.full_clean()
    if rebuild:
        slo.buckets_computed_to = None
        slo.buckets_dirty_from = None
    with transaction.atomic():
        slo.save()
        _plugin_save(account, slo, extra, created=False)
    return slo


def alert_policy_save(
    *, account, policy: AlertPolicy | None, windows: list[dict] | None, **fields
) -> AlertPolicy:
    """Create or update a policy; `windows` (if given) replaces its window pairs."""
    with transaction.atomic():
        policy = policy or AlertPolicy(account=account)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.full_clean()
        policy.save()
        if windows is not None:
            policy.windows.all().delete()
            for row in windows:
                window = BurnRateWindow(account=account, policy=policy, **row)
                window.full_clean()
                window.save()
    return policy
