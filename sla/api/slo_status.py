"""The derived part of an SLO in the API: window, budget, burn rates, exhaustion, alerts."""

from sla.engine.budget import to_float
from sla.selectors.slo import budget_json, window_key


def status_json(status) -> dict:
    """The derived part of an SLO: window, budget, burn rates, exhaustion, alerts."""
    slo = status.slo
    return {
        "window": {
            "start": status.window.start,
            "end": status.window.end,
            "seconds": status.window.seconds,
        },
        "budget": budget_json(slo, status.budget),
        "burn_rates": {
            f"{seconds}s": to_float(value) for seconds, value in sorted(status.burn_rates.items())
        },
        "time_to_exhaustion_seconds": to_float(status.time_to_exhaustion),
        "alert_windows": [
            {
                "key": window_key(window),
                "severity": window.severity,
                "long_window_seconds": window.long_seconds,
                "short_window_seconds": window.short_seconds,
                "threshold": float(window.threshold(status.window.seconds)),
            }
            for window in status.burn_windows
        ],
        "alerts": [
            {
                "id": alert.pk,
                "key": alert.window_key,
                "state": alert.state,
                "severity": alert.severity,
                "started_at": alert.started_at,
                "fired_at": alert.fired_at,
                "long_burn_rate": alert.long_burn,
                "short_burn_rate": alert.short_burn,
            }
            for alert in status.alerts
        ],
        "alert_state": _alert_state(status.alerts),
    }


def _alert_state(alerts) -> str:
    states = {alert.state for alert in alerts}
    for state in ("firing", "pending"):
        if state in states:
            return state
    return "ok"
