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

from reporting.services.notifications import notifications_emit_many
from sla.engine.budget import WindowCounts, evaluate_burn_windows, to_float
from sla.models import SLO, Alert, AlertState
from sla.selectors.slo import budget_json, slo_list, slo_statuses, window_key
from sla.signals import slo_statuses_evaluated

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


def slo_alerts_evaluate(*, account, now: dt.datetime, slos=None) -> dict[str, int]:
    """Evaluate every SLO of the account at `now`; returns transition counts.

    Reads: one aggregate pass over the buckets and one over the open alerts. Writes: new
    alerts in one insert, transitions row by row (rare), the evaluation time of the other
    open alerts in one update, notifications in one batch.
    """
    slos = list(slos if slos is not None else slo_list(account=account))
    statuses = slo_statuses(account=account, slos=slos, now=now)
    open_alerts = {  # read with the statuses (slo_statuses), in the same query
        (alert.slo_id, alert.window_key): alert
        for status in statuses.values()
        for alert in status.alerts
    }
    run = _Run(account, now)
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
                run.transition(slo, status, evaluation, key, alert)
            for slo_key in [k for k in open_alerts if k[0] == slo.pk and k[1] not in keys]:
                run.close(slo, status, open_alerts.pop(slo_key))  # the policy changed
        run.finish()
    slo_statuses_evaluated.send_robust(
        sender=slo_alerts_evaluate, account=account, statuses=statuses, now=now
    )
    return run.stats


class _Run:
    """The writes of one evaluation, batched."""

    def __init__(self, account, now: dt.datetime):
        self.account = account
        self.now = now
        self.stats = {"fired": 0, "resolved": 0, "pending": 0, "open": 0}
        self.new: list[tuple[Alert, SLO, object]] = []
        self.still_open: list[int] = []
        self.peaks: list[Alert] = []
        self.notifications: list[tuple[str, dict, str]] = []

    def notify(self, alert: Alert, slo: SLO, status) -> None:
        self.notifications.append(
            (
                f"slo.alert.{alert.state}",
                _alert_payload(alert, slo, status, self.now),
                f"slo.alert:{alert.pk}:{alert.state}",
            )
        )

    def transition(self, slo, status, evaluation, key, alert) -> None:
        long_burn = to_float(evaluation.long_burn)
        short_burn = to_float(evaluation.short_burn)
        if alert is None:
            if evaluation.firing:
                self.new.append(
                    (self._new_alert(slo, evaluation, key, long_burn, short_burn), slo, status)
                )
            return
        alert.long_burn, alert.short_burn = long_burn, short_burn
        if not evaluation.firing:
            self.close(slo, status, alert)
            return
        self.stats["open"] += 1
        if alert.state == AlertState.PENDING and self._due(alert):
            self._fire(alert)
            alert.save()
            self.notify(alert, slo, status)
        elif (long_burn or 0) > (alert.peak_burn or 0):
            alert.peak_burn = long_burn
            self.peaks.append(alert)
        else:
            self.still_open.append(alert.pk)

    def _new_alert(self, slo, evaluation, key, long_burn, short_burn) -> Alert:
        window = evaluation.window
        return Alert(
            account=self.account,
            slo=slo,
            window_key=key,
            severity=window.severity,
            long_window_seconds=window.long_seconds,
            short_window_seconds=window.short_seconds,
            threshold=float(evaluation.threshold),
            state=AlertState.PENDING,
            started_at=self.now,
            last_evaluated_at=self.now,
            long_burn=long_burn,
            short_burn=short_burn,
            peak_burn=long_burn,
        )

    def _due(self, alert: Alert) -> bool:
        return (self.now - alert.started_at).total_seconds() >= FOR_SECONDS

    def _fire(self, alert: Alert) -> None:
        alert.state = AlertState.FIRING
        alert.fired_at = self.now
        alert.last_evaluated_at = self.now
        self.stats["fired"] += 1

    def close(self, slo, status, alert: Alert) -> None:
        was_firing = alert.state == AlertState.FIRING
        alert.state = AlertState.RESOLVED
        alert.resolved_at = self.now
        alert.last_evaluated_at = self.now
        alert.save()
        if was_firing:
            self.notify(alert, slo, status)
            self.stats["resolved"] += 1

    def finish(self) -> None:
        due = [item for item in self.new if self._due(item[0])]
        for alert, _, _ in due:
            self._fire(alert)
        self.stats["pending"] += len(self.new) - len(due)
        self.stats["open"] += len(self.new)
        Alert.objects.bulk_create([alert for alert, _, _ in self.new])  # sets their pks
        for alert, slo, status in due:
            self.notify(alert, slo, status)
        Alert.objects.filter(pk__in=self.still_open).update(last_evaluated_at=self.now)
        for alert in self.peaks:
            alert.last_evaluated_at = self.now
        Alert.objects.bulk_update(
            self.peaks, ["last_evaluated_at", "long_burn", "short_burn", "peak_burn"]
        )
        notifications_emit_many(account=self.account, events=self.notifications, now=self.now)
