"""Burn-rate alert evaluation: one state machine per SLO and window pair.

Per account: one aggregate read of every SLO's window sums (sla.selectors.slo), the
workbook's multi-window test per window pair (sla.engine.budget), then transitions:

- condition true, no open alert: a `pending` alert starts (`for_seconds` 0: it fires at once);
- pending and true for `for_seconds`: `firing`, notified once (`slo.alert.firing`);
- pending and false: closed silently (`resolved` without ever firing);
- firing and false (or the window pair left the policy): `resolved`, notified once
  (`slo.alert.resolved`).
"""

import datetime as dt

from django.db import transaction

from reporting.services.notifications import notification_emit
from sla.engine.budget import WindowCounts, evaluate_burn_windows, to_float
from sla.models import SLO, Alert, AlertState
from sla.selectors.slo import budget_json, slo_list, slo_statuses, window_key

FOR_SECONDS = 0


def _counts(status) -> dict[int, WindowCounts]:
    return {
        seconds: WindowCounts(bad=total - good, total=total)
        for seconds, (good, total) in status.counts.items()
    }


def _alert_payload(alert: Alert, slo: SLO, status, now: dt.datetime) -> dict:
    subject = slo.service.path if slo.service_id else slo.group.name
    verb = "firing" if alert.state == AlertState.FIRING else "resolved"
    return {
        "title": f"SLO {slo.name} ({subject}): {alert.severity} burn-rate alert {verb}",
        "alert": {
            "id": alert.pk,
            "state": alert.state,
            "severity": alert.severity,
            "long_window_seconds": alert.long_window_seconds,
            "short_window_seconds": alert.short_window_seconds,
            "threshold": alert.threshold,
            "long_burn_rate": alert.long_burn,
            "short_burn_rate": alert.short_burn,
            "started_at": alert.started_at,
            "fired_at": alert.fired_at,
            "resolved_at": alert.resolved_at,
        },
        "slo": {
            "id": slo.pk,
            "name": slo.name,
            "service": slo.service.path if slo.service_id else None,
            "group": slo.group.name if slo.group_id else None,
            "sli_kind": slo.sli_kind,
            "target": float(slo.target),
        },
        "budget": budget_json(slo, status.budget),
        "evaluated_at": now,
    }


def _notify(account, alert: Alert, slo: SLO, status, now: dt.datetime) -> None:
    notification_emit(
        account=account,
        event_type=f"slo.alert.{alert.state}",
        payload=_alert_payload(alert, slo, status, now),
        dedup_key=f"slo.alert:{alert.pk}:{alert.state}",
    )


def slo_alerts_evaluate(*, account, now: dt.datetime, slos=None) -> dict[str, int]:
    """Evaluate every SLO of the account at `now`; returns transition counts."""
    slos = list(slos if slos is not None else slo_list(account=account))
    statuses = slo_statuses(account=account, slos=slos, now=now)
    open_alerts = {
        (alert.slo_id, alert.window_key): alert
        for alert in Alert.objects.for_account(account).exclude(state=AlertState.RESOLVED)
    }
    stats = {"fired": 0, "resolved": 0, "pending": 0, "open": 0}
    touched: list[Alert] = []
    with transaction.atomic():
        for slo in slos:
            status = statuses[slo.pk]
            evaluations = evaluate_burn_windows(
                target=slo.target,
                window_seconds=status.window.seconds,
                windows=status.burn_windows,
                counts=_counts(status),
                min_events=status.min_events,
            )
            keys = set()
            for evaluation in evaluations:
                key = window_key(evaluation.window)
                keys.add(key)
                alert = open_alerts.pop((slo.pk, key), None)
                alert = _transition(account, slo, status, evaluation, key, alert, now, stats)
                if alert is not None:
                    touched.append(alert)
            for (slo_id, key), alert in list(open_alerts.items()):
                if slo_id == slo.pk and key not in keys:  # the policy changed
                    open_alerts.pop((slo_id, key))
                    _close(account, slo, status, alert, now, stats)
        Alert.objects.bulk_update(
            [alert for alert in touched if alert.state != AlertState.RESOLVED],
            ["last_evaluated_at", "long_burn", "short_burn", "peak_burn"],
        )
    return stats


def _transition(account, slo, status, evaluation, key, alert, now, stats) -> Alert | None:
    long_burn, short_burn = to_float(evaluation.long_burn), to_float(evaluation.short_burn)
    if alert is None:
        if not evaluation.firing:
            return None
        window = evaluation.window
        alert = Alert.objects.create(
            account=account,
            slo=slo,
            window_key=key,
            severity=window.severity,
            long_window_seconds=window.long_seconds,
            short_window_seconds=window.short_seconds,
            threshold=float(evaluation.threshold),
            state=AlertState.PENDING,
            started_at=now,
            last_evaluated_at=now,
            long_burn=long_burn,
            short_burn=short_burn,
            peak_burn=long_burn,
        )
        stats["pending"] += 1
    elif not evaluation.firing:
        alert.long_burn, alert.short_burn = long_burn, short_burn
        _close(account, slo, status, alert, now, stats)
        return alert
    alert.last_evaluated_at = now
    alert.long_burn, alert.short_burn = long_burn, short_burn
    alert.peak_burn = max(alert.peak_burn or 0, long_burn or 0)
    if alert.state == AlertState.PENDING and (now - alert.started_at).total_seconds() >= (
        FOR_SECONDS
    ):
        alert.state = AlertState.FIRING
        alert.fired_at = now
        alert.save()
        _notify(account, alert, slo, status, now)
        stats["fired"] += 1
    stats["open"] += 1
    return alert


def _close(account, slo, status, alert: Alert, now, stats) -> None:
    was_firing = alert.state == AlertState.FIRING
    alert.state = AlertState.RESOLVED
    alert.resolved_at = now
    alert.last_evaluated_at = now
    alert.save()
    if was_firing:
        _notify(account, alert, slo, status, now)
        stats["resolved"] += 1
