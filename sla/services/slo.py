"""SLO and alert-policy writes."""

from django.db import transaction

from sla.models import SLO, AlertPolicy, BurnRateWindow

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


def slo_create(*, account, **fields) -> SLO:
    slo = SLO(account=account, **fields)
    slo.full_clean()
    slo.save()
    return slo


def slo_update(*, account, slo: SLO, **fields) -> SLO:
    """Apply changes; a change of subject, SLI or window rebuilds the buckets."""
    assert slo.account_id == account.pk
    rebuild = False
    for name, value in fields.items():
        if getattr(slo, name) != value and name in BUCKET_FIELDS:
            rebuild = True
        setattr(slo, name, value)
    slo.full_clean()
    if rebuild:
        slo.buckets_computed_to = None
        slo.buckets_dirty_from = None
    slo.save()
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
