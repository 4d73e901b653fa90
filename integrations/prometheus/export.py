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
import os

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from accounts.features import sla_enabled
from accounts.models import Account
from integrations.prometheus.models import JobRun, PromQLGap
from reporting.models import Delivery, DeliveryStatus
from sla.engine.groups import aggregate_states
from sla.engine.states import RESULT_BADNESS, STATE_BADNESS
from sla.models import Alert, AlertState, PeriodResult, Service, ServiceGroup
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


class _Families:
    """The gauge families of one scrape, created on first use."""

    def __init__(self):
        self.families: dict[str, GaugeMetricFamily] = {}

    def add(self, name: str, help_text: str, labels: dict, value: float) -> None:
        family = self.families.get(name)
        if family is None:
            family = self.families[name] = GaugeMetricFamily(name, help_text, labels=list(labels))
        family.add_metric([str(value) for value in labels.values()], float(value))


def _slo_series(account, families: _Families, now: dt.datetime) -> None:
    slos = list(slo_list(account=account).select_related("service", "group"))
    if not slos:
        return
    statuses = slo_statuses(account=account, slos=slos, now=now, lookbacks=tuple(LOOKBACKS))
    firing = set(
        Alert.objects.for_account(account)
        .filter(state=AlertState.FIRING)
        .values_list("slo_id", "window_key")
    )
    missing = _missing_seconds(account, [slo for slo in slos if slo.sli_kind == "prometheus"], now)
    for slo in slos:
        status = statuses[slo.pk]
        labels = {
            "account": account.slug,
            "slo_id": slo.pk,
            "service": slo.service.path if slo.service_id else "",
            "group": slo.group.name if slo.group_id else "",
            "sli_kind": slo.sli_kind,
        }
        families.add("slaportal_slo_target_ratio", "SLO target (0-1).", labels, slo.target / 100)
        budget = status.budget
        if budget.sli is not None:
            families.add(
                "slaportal_slo_sli_ratio", "SLI over the SLO window (0-1).", labels, budget.sli
            )
        if budget.remaining_fraction is not None:
            families.add(
                "slaportal_slo_error_budget_remaining_ratio",
                "Error budget left in the SLO window (1 full, 0 spent, negative overspent).",
                labels,
                budget.remaining_fraction,
            )
        for seconds, name in LOOKBACKS.items():
            rate = status.burn_rates.get(seconds)
            if rate is not None:
                families.add(
                    "slaportal_slo_burn_rate",
                    "Burn rate over the lookback (1 spends exactly the budget).",
                    {**labels, "lookback": name},
                    rate,
                )
        for window in status.burn_windows:
            key = f"{window.severity}:{window.long_seconds}:{window.short_seconds}"
            families.add(
                "slaportal_slo_alert_firing",
                "1 while the burn-rate alert of the window pair fires.",
                {
                    **labels,
                    "severity": window.severity,
                    "long_window": _duration(window.long_seconds),
                    "short_window": _duration(window.short_seconds),
                },
                1 if (slo.pk, key) in firing else 0,
            )
        if slo.sli_kind == "prometheus":
            families.add(
                "slaportal_slo_missing_seconds",
                "PromQL SLIs: seconds of the window Prometheus gave no value for (gaps).",
                labels,
                missing.get(slo.pk, 0),
            )


def _missing_seconds(account, slos, now) -> dict[int, float]:
    if not slos:
        return {}
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


class AccountsCollector:
    """prometheus-client collector over the accounts of one scrape."""

    def __init__(self, accounts, now: dt.datetime, *, operator: bool):
        self.accounts = accounts
        self.now = now
        self.operator = operator

    def collect(self):
        families = _Families()
        for account in self.accounts:
            if sla_enabled(account):
                _slo_series(account, families, self.now)
                _sla_series(account, families)
            _state_series(account, families)
            _outbox_series(account, families)
        if self.operator:
            _job_series(families)
        yield from families.families.values()


def metrics_text(*, accounts, now: dt.datetime, operator: bool) -> bytes:
    """The exposition text for these accounts (and the process health for operators)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AccountsCollector(list(accounts), now, operator=operator))
    body = generate_latest(registry)
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


def accounts_for_operator():
    return Account.objects.order_by("slug")
