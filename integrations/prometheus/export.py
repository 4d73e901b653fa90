"""``GET /metrics``: SLA Portal's figures in Prometheus' text format, for Grafana.

Labels are bounded: account slug, ids, service paths, group names, kinds and fixed
windows; never event ids or free text. Series (README "Prometheus and Grafana"):

- per SLO: ``slaportal_slo_target_ratio``, ``slaportal_slo_sli_ratio``,
  ``slaportal_slo_error_budget_remaining_ratio``, ``slaportal_slo_burn_rate`` (label
  ``lookback``: 5m, 1h, 6h, 3d), ``slaportal_slo_alert_firing`` (per window pair),
  ``slaportal_slo_missing_seconds`` (PromQL SLIs: gaps in the window);
- per SLA requirement of the current period: ``slaportal_sla_requirement_value_ratio`` and
  ``slaportal_sla_requirement_state`` (0 NODATA, 1 OK, 2 WARN, 3 CRIT, 4 BROKEN);
- ``slaportal_service_state`` / ``slaportal_group_state`` (0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT);
- ``slaportal_outbox_pending_deliveries`` per account;
- operators only (``SLA_METRICS_TOKEN``): ``slaportal_ingest_events_total`` (this process,
  or all of them with PROMETHEUS_MULTIPROC_DIR), ``slaportal_job_last_success_timestamp_seconds``,
  ``slaportal_job_last_duration_seconds``, ``slaportal_job_last_failure_timestamp_seconds``.
"""

import datetime as dt
import hmac
import math
import os

from django.conf import settings
from django.core.cache import cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from accounts.features import sla_enabled
from integrations.prometheus.models import JobRun, PromQLGap
from reporting.models import Delivery, DeliveryStatus
from sla.engine.groups import aggregate_states
from sla.engine.states import RESULT_BADNESS, STATE_BADNESS
from sla.models import SLO, Alert, AlertState, PeriodResult, Service, ServiceGroup
from sla.selectors.slo import slo_list, slo_statuses
from sla.selectors.slo_windows import slo_window

LOOKBACKS = {300: "5m", 3600: "1h", 21600: "6h", 259200: "3d"}
SLO_LABELS = ["account", "slo_id", "service", "group", "sli_kind"]


def operator_token_matches(secret: str) -> bool:
    expected = getattr(settings, "SLA_METRICS_TOKEN", "")
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _escape(value) -> str:
    text = str(value)
    if "\\" in text or '"' in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return text


def _number(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    return repr(number)


class _Families:
    """The gauge families of one scrape, written straight in the text format (0.0.4): for
    tens of thousands of series prometheus-client's generic writer costs seconds; label
    names here are fixed identifiers and values are escaped as the format says."""

    def __init__(self):
        self.families: dict[str, tuple[str, list[str]]] = {}

    def add(self, name: str, help_text: str, labels: dict, value) -> None:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = (help_text, [])
        pairs = ",".join(f'{key}="{_escape(text)}"' for key, text in labels.items())
        family[1].append(f"{name}{{{pairs}}} {_number(value)}\n")

    def text(self) -> str:
        parts = []
        for name, (help_text, lines) in self.families.items():
            parts.append(f"# HELP {name} {help_text}\n# TYPE {name} gauge\n")
            parts.extend(lines)
        return "".join(parts)


FIGURES_KEY = "prometheus:slo-figures:{account}"
FIGURES_FRESH = dt.timedelta(minutes=3)


def _figures(status) -> tuple:
    """What /metrics shows of one SLO status, as plain floats (cache-friendly)."""
    budget = status.budget
    burns = {name: _float(status.burn_rates.get(seconds)) for seconds, name in LOOKBACKS.items()}
    pairs = tuple((w.severity, w.long_seconds, w.short_seconds) for w in status.burn_windows)
    return (_float(budget.sli), _float(budget.remaining_fraction), burns, pairs)


def _float(value):
    return None if value is None else float(value)


def figures_store(*, account, statuses: dict, now: dt.datetime) -> None:
    """Keep the figures of a minutely evaluation for /metrics (so a scrape of 10,000 SLOs
    reads them instead of summing buckets again)."""
    figures = {slo_id: _figures(status) for slo_id, status in statuses.items()}
    cache.set(FIGURES_KEY.format(account=account.pk), (now, figures), 600)


def _slo_figures(account, slo_rows, now: dt.datetime) -> dict:
    """Figures of the last minutely evaluation when fresh and complete, else computed now."""
    cached = cache.get(FIGURES_KEY.format(account=account.pk))
    if cached is not None:
        evaluated_at, figures = cached
        if now - evaluated_at < FIGURES_FRESH and all(row[0] in figures for row in slo_rows):
            return figures
    slos = list(slo_list(account=account))
    statuses = slo_statuses(account=account, slos=slos, now=now, lookbacks=tuple(LOOKBACKS))
    figures_store(account=account, statuses=statuses, now=now)
    return {slo_id: _figures(status) for slo_id, status in statuses.items()}


def _slo_series(account, families: _Families, now: dt.datetime) -> None:
    slo_rows = list(
        SLO.objects.for_account(account)
        .order_by("pk")
        .values_list("pk", "service__path", "group__name", "sli_kind", "target")
    )
    if not slo_rows:
        return
    figures = _slo_figures(account, slo_rows, now)
    firing = set(
        Alert.objects.for_account(account)
        .filter(state=AlertState.FIRING)
        .values_list("slo_id", "window_key")
    )
    promql = [row[0] for row in slo_rows if row[3] == "prometheus"]
    missing = _missing_seconds(account, promql, now)
    for slo_id, path, group, kind, target in slo_rows:
        labels = {"account": account.slug, "slo_id": slo_id, "service": path or "",
                  "group": group or "", "sli_kind": kind}  # fmt: skip
        families.add("slaportal_slo_target_ratio", "SLO target (0-1).", labels, target / 100)
        sli, remaining, burns, pairs = figures[slo_id]
        if sli is not None:
            families.add("slaportal_slo_sli_ratio", "SLI over the SLO window (0-1).", labels, sli)
        if remaining is not None:
            families.add(
                "slaportal_slo_error_budget_remaining_ratio",
                "Error budget left in the SLO window (1 full, 0 spent, negative overspent).",
                labels,
                remaining,
            )
        for name, rate in burns.items():
            if rate is not None:
                families.add(
                    "slaportal_slo_burn_rate",
                    "Burn rate over the lookback (1 spends exactly the budget).",
                    {**labels, "lookback": name},
                    rate,
                )
        for severity, long_seconds, short_seconds in pairs:
            families.add(
                "slaportal_slo_alert_firing",
                "1 while the burn-rate alert of the window pair fires.",
                {**labels, "severity": severity, "long_window": _duration(long_seconds),
                 "short_window": _duration(short_seconds)},
                int((slo_id, f"{severity}:{long_seconds}:{short_seconds}") in firing),
            )  # fmt: skip
        if kind == "prometheus":
            families.add(
                "slaportal_slo_missing_seconds",
                "PromQL SLIs: seconds of the window Prometheus gave no value for (gaps).",
                labels,
                missing.get(slo_id, 0),
            )


def _missing_seconds(account, slo_ids, now) -> dict[int, float]:
    if not slo_ids:
        return {}
    slos = SLO.objects.for_account(account).filter(pk__in=slo_ids)
    windows = {slo.pk: slo_window(slo, now) for slo in slos}
    totals: dict[int, float] = {}
    rows = PromQLGap.objects.for_account(account).filter(slo_id__in=list(windows))
    for slo_id, start, end in rows.values_list("slo_id", "start", "end"):
        window = windows[slo_id]
        overlap = (min(end, window.end) - max(start, window.start)).total_seconds()
        if overlap > 0:
            totals[slo_id] = totals.get(slo_id, 0) + overlap
    return totals


def _sla_series(account, families: _Families) -> None:
    rows = (
        PeriodResult.objects.for_account(account)
        .filter(complete=False)
        .select_related("service", "group")
        .order_by("sla_id", "service_id", "group_id", "-period_start")
    )
    seen = set()
    for row in rows:
        subject = (row.sla_id, row.service_id, row.group_id)
        if subject in seen:
            continue  # the newest current period only
        seen.add(subject)
        for index, requirement in enumerate(row.result.get("requirements", [])):
            labels = {
                "account": account.slug,
                "sla_id": row.sla_id,
                "requirement": index,
                "kind": requirement.get("kind", ""),
                "service": row.service.path if row.service_id else "",
                "group": row.group.name if row.group_id else "",
            }
            state = requirement.get("state", "NODATA")
            families.add(
                "slaportal_sla_requirement_state",
                "SLA requirement state this period: 0 NODATA, 1 OK, 2 WARN, 3 CRIT, 4 BROKEN.",
                labels,
                RESULT_BADNESS.get(state, 0),
            )
            value = requirement.get("value")
            if requirement.get("kind") == "percentage" and value is not None:
                families.add(
                    "slaportal_sla_requirement_value_ratio",
                    "SLA percentage requirement's value this period so far (0-1).",
                    labels,
                    value / 100,
                )


def _state_series(account, families: _Families) -> None:
    members: dict[int, list[str]] = {}
    for path, group_id, state in Service.objects.for_account(account).values_list(
        "path", "group_id", "current_state"
    ):
        if not state:
            continue
        families.add(
            "slaportal_service_state",
            "Service state: 0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT (absent: never monitored).",
            {"account": account.slug, "service": path},
            STATE_BADNESS[state],
        )
        if group_id:
            members.setdefault(group_id, []).append(state)
    for group in ServiceGroup.objects.for_account(account).filter(pk__in=list(members)):
        state = aggregate_states(members[group.pk], group.aggregation, group.k)
        families.add(
            "slaportal_group_state",
            "SLA group state from its members: 0 OK, 1 WARN, 2 UNKNOWN, 3 CRIT.",
            {"account": account.slug, "group": group.name},
            STATE_BADNESS[state],
        )


def _outbox_series(account, families: _Families) -> None:
    pending = Delivery.objects.for_account(account).filter(status=DeliveryStatus.PENDING).count()
    families.add(
        "slaportal_outbox_pending_deliveries",
        "Notification deliveries waiting to be sent (or retried).",
        {"account": account.slug},
        pending,
    )


def _job_series(families: _Families) -> None:
    for run in JobRun.objects.order_by("task"):
        labels = {"task": run.task}
        if run.last_success_at:
            families.add(
                "slaportal_job_last_success_timestamp_seconds",
                "When the periodic job last succeeded (Unix time).",
                labels,
                run.last_success_at.timestamp(),
            )
        if run.last_duration_seconds is not None:
            families.add(
                "slaportal_job_last_duration_seconds",
                "How long the job's last successful run took.",
                labels,
                run.last_duration_seconds,
            )
        if run.last_failure_at:
            families.add(
                "slaportal_job_last_failure_timestamp_seconds",
                "When the periodic job last failed (Unix time).",
                labels,
                run.last_failure_at.timestamp(),
            )


def metrics_text(*, accounts, now: dt.datetime, operator: bool) -> bytes:
    """The exposition text for these accounts (and the process health for operators)."""
    families = _Families()
    for account in accounts:
        if sla_enabled(account):
            _slo_series(account, families, now)
            _sla_series(account, families)
        _state_series(account, families)
        _outbox_series(account, families)
    if operator:
        _job_series(families)
    body = families.text().encode()
    if operator:
        body += _process_text()
    return body


def _process_text() -> bytes:
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
