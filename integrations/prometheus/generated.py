"""Generated Prometheus rules (Sloth style) for PromQL SLOs and the Grafana dashboard.

Rules: per SLO, recording rules of the error ratio over each window the alerts need
(``slo:sli_error:ratio_rate<window>``) and over the SLO window, the meta recordings
(objective, error budget, period burn rate, budget remaining), and one multi-window,
multi-burn-rate alert per severity built from the SLO's alert policy (or the SRE
workbook's defaults) with the same thresholds SLA Portal uses. Valid for ``promtool check
rules``.
"""

import yaml

from integrations.prometheus.promql import counting_query, sli_parts
from sla.engine.budget import allowed_fraction
from sla.selectors.slo import slo_burn_windows
from sla.selectors.slo_windows import slo_window

RECORDED_WINDOWS = (300, 1800, 3600, 7200, 21600, 86400, 259200)


def duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _error_ratio(sli, window: str) -> str:
    parts = sli_parts(sli)
    total = counting_query(parts["total"], window)
    if "bad" in parts:
        return f"({counting_query(parts['bad'], window)}) / ({total})"
    return f"1 - (({counting_query(parts['good'], window)}) / ({total}))"


def _number(value) -> str:
    return format(float(value), ".10g")


def slo_rule_labels(slo) -> dict[str, str]:
    labels = {"sla_portal_slo_id": str(slo.pk), "sla_portal_account": slo.account.slug}
    if slo.service_id:
        labels["service"] = slo.service.path
    return labels


def slo_rules(slo) -> dict:
    """The rule groups of a PromQL SLO (``slo.promql`` set)."""
    sli = slo.promql
    labels = slo_rule_labels(slo)
    selector = f'{{sla_portal_slo_id="{slo.pk}"}}'
    window_seconds = slo_window(slo, slo.updated_at or slo.created_at).seconds
    burn_windows, _ = slo_burn_windows(slo)
    needed = sorted(
        {*RECORDED_WINDOWS}
        | {w.long_seconds for w in burn_windows}
        | {w.short_seconds for w in burn_windows}
    )
    period = duration(window_seconds)
    recordings = [
        {
            "record": f"slo:sli_error:ratio_rate{duration(seconds)}",
            "expr": _error_ratio(sli, duration(seconds)),
            "labels": {**labels, "sla_portal_window": duration(seconds)},
        }
        for seconds in needed
    ]
    allowed = allowed_fraction(slo.target)
    meta = [
        {
            "record": "slo:objective:ratio",
            "expr": f"vector({_number(1 - allowed)})",
            "labels": labels,
        },
        {
            "record": "slo:error_budget:ratio",
            "expr": f"vector({_number(allowed)})",
            "labels": labels,
        },
        {
            "record": "slo:time_period:days",
            "expr": f"vector({_number(window_seconds / 86400)})",
            "labels": labels,
        },
        {
            "record": f"slo:sli_error:ratio_rate{period}",
            "expr": _error_ratio(sli, period),
            "labels": {**labels, "sla_portal_window": period},
        },
        {
            "record": "slo:current_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate5m{selector} / on(sla_portal_slo_id) group_left "
            f"slo:error_budget:ratio{selector}",
            "labels": labels,
        },
        {
            "record": "slo:period_burn_rate:ratio",
            "expr": f"slo:sli_error:ratio_rate{period}{selector} / on(sla_portal_slo_id) "
            f"group_left slo:error_budget:ratio{selector}",
            "labels": labels,
        },
        {
            "record": "slo:period_error_budget_remaining:ratio",
            "expr": f"1 - slo:period_burn_rate:ratio{selector}",
            "labels": labels,
        },
    ]
    if period in {duration(s) for s in needed}:
        meta = [rule for rule in meta if rule["record"] != f"slo:sli_error:ratio_rate{period}"]
    alerts = []
    for severity in ("page", "ticket"):
        pairs = [w for w in burn_windows if w.severity == severity]
        if not pairs:
            continue
        conditions = []
        for window in pairs:
            factor = _number(window.threshold(window_seconds) * allowed)
            conditions.append(
                f"(max(slo:sli_error:ratio_rate{duration(window.long_seconds)}{selector} > "
                f"{factor}) without (sla_portal_window) and "
                f"max(slo:sli_error:ratio_rate{duration(window.short_seconds)}{selector} > "
                f"{factor}) without (sla_portal_window))"
            )
        alerts.append(
            {
                "alert": f"SLAPortalSLOBurnRate{severity.capitalize()}",
                "expr": "\nor\n".join(conditions),
                "labels": {**labels, "severity": severity},
                "annotations": {
                    "summary": f"SLO {slo.pk} is burning its error budget too fast ({severity})",
                    "title": "("
                    + severity
                    + ") {{$labels.service}} SLO error budget burn rate is too fast.",
                },
            }
        )
    name = f"sla-portal-slo-{slo.pk}"
    groups = [
        {"name": f"{name}-sli-recordings", "rules": recordings},
        {"name": f"{name}-meta-recordings", "rules": meta},
    ]
    if alerts:
        groups.append({"name": f"{name}-alerts", "rules": alerts})
    return {"groups": groups}


def slo_rules_yaml(slo) -> str:
    header = (
        f"# Prometheus rules of SLA Portal SLO {slo.pk} (target {slo.target}%), "
        "generated; check with: promtool check rules FILE\n"
    )
    return header + yaml.safe_dump(slo_rules(slo), sort_keys=False, width=1000)


# --------------------------------------------------------------------------- Grafana


def _panel(
    panel_id: int, title: str, kind: str, expr: str, legend: str, grid: dict, **extra
) -> dict:
    panel = {
        "id": panel_id,
        "title": title,
        "type": kind,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": grid,
        "targets": [
            {
                "refId": "A",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": expr,
                "legendFormat": legend,
            }
        ],
    }
    panel.update(extra)
    return panel


def grafana_dashboard() -> dict:
    """An importable dashboard over the series of GET /metrics (datasource and account are
    template variables)."""
    account = 'account=~"$account"'
    slo_legend = "{{service}}{{group}} SLO {{slo_id}}"
    percent = {"fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []}}
    panels = [
        _panel(1, "SLI over the SLO window", "timeseries", f"slaportal_slo_sli_ratio{{{account}}}",
               slo_legend, {"h": 8, "w": 12, "x": 0, "y": 0}, **percent),
        _panel(2, "Error budget remaining", "bargauge",
               f"slaportal_slo_error_budget_remaining_ratio{{{account}}}", slo_legend,
               {"h": 8, "w": 12, "x": 12, "y": 0}, **percent),
        _panel(3, "Burn rate (1 h)", "timeseries",
               f'slaportal_slo_burn_rate{{{account}, lookback="1h"}}', slo_legend,
               {"h": 8, "w": 12, "x": 0, "y": 8}),
        _panel(4, "Firing burn-rate alerts", "table",
               f"slaportal_slo_alert_firing{{{account}}} == 1",
               "{{severity}} {{long_window}}/{{short_window}} " + slo_legend,
               {"h": 8, "w": 12, "x": 12, "y": 8}),
        _panel(5, "SLA requirements this period", "table",
               f"slaportal_sla_requirement_value_ratio{{{account}}}",
               "SLA {{sla_id}} #{{requirement}} {{service}}{{group}}",
               {"h": 8, "w": 12, "x": 0, "y": 16}, **percent),
        _panel(6, "Service states (0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT)", "state-timeline",
               f"slaportal_service_state{{{account}}}", "{{service}}",
               {"h": 8, "w": 12, "x": 12, "y": 16}),
        _panel(7, "PromQL SLI gaps (seconds)", "timeseries",
               f"slaportal_slo_missing_seconds{{{account}}}", slo_legend,
               {"h": 8, "w": 8, "x": 0, "y": 24}),
        _panel(8, "Outbox backlog", "timeseries",
               f"slaportal_outbox_pending_deliveries{{{account}}}", "{{account}}",
               {"h": 8, "w": 8, "x": 8, "y": 24}),
        _panel(9, "Periodic jobs: seconds since last success", "table",
               "time() - slaportal_job_last_success_timestamp_seconds", "{{task}}",
               {"h": 8, "w": 8, "x": 16, "y": 24}),
        _panel(10, "Ingest events per second", "timeseries",
               "sum by (result) (rate(slaportal_ingest_events_total[5m]))", "{{result}}",
               {"h": 8, "w": 24, "x": 0, "y": 32}),
    ]  # fmt: skip
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "title": "SLA Portal",
        "uid": "sla-portal",
        "tags": ["sla-portal", "slo"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "1m",
        "time": {"from": "now-7d", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                },
                {
                    "name": "account",
                    "label": "Account",
                    "type": "query",
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "query": {
                        "query": "label_values(slaportal_slo_target_ratio, account)",
                        "refId": "account",
                    },
                    "definition": "label_values(slaportal_slo_target_ratio, account)",
                    "includeAll": True,
                    "multi": True,
                    "refresh": 2,
                    "current": {},
                },
            ]
        },
        "panels": panels,
    }
