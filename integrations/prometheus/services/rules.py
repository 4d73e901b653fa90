"""Status rules: a service's state from PromQL, evaluated every minute.

Each rule runs its query as an instant query at the evaluation instant: no series gives the
rule's ``missing_state``; one series is compared with the CRIT and WARN conditions;
several series or a non-finite value are errors (no state is changed, the error is kept on
the rule). A new state is a status event through ``sla.services.ingest`` with the id
``prometheus-rule:<rule>:<evaluation time in ms>:<state>``, so a repeated evaluation (the
same rule at the same instant) is a duplicate;
incidents, SLA periods, snapshots and the status page follow as for any agent's event.
A failing source changes no state (the last one holds; the error is shown on the rule).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from integrations.prometheus.client import PrometheusError, client_for_source, format_labels
from integrations.prometheus.models import PrometheusStatusRule
from integrations.prometheus.promql import status_from_value
from sla.services.ingest import events_ingest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleOutcome:
    """One evaluation: the state (None when the query failed), value text, error."""

    state: str | None
    value: str = ""
    error: str = ""


def rule_evaluate(rule: PrometheusStatusRule, client, at: dt.datetime) -> RuleOutcome:
    try:
        series = client.instant(rule.query, at).one()
    except PrometheusError as error:
        return RuleOutcome(state=None, error=str(error)[:1000])
    if series is None:
        return RuleOutcome(state=rule.missing_state, value="no series")
    value = series.samples[0].value
    if not value.is_finite():
        return RuleOutcome(state=None, error=f"{format_labels(series.labels)} is {value}")
    return RuleOutcome(state=status_from_value(rule, value), value=str(value)[:64])


def _event(rule, outcome: RuleOutcome, at: dt.datetime) -> dict:
    return {
        "service": rule.service.path,
        "at": at.isoformat(),
        "state": outcome.state,
        "message": f"{rule.name}: {rule.query[:300]} = {outcome.value}"[:4096],
        "id": f"prometheus-rule:{rule.pk}:{round(at.timestamp() * 1000)}:{outcome.state}",
    }


def rules_evaluate(*, account, now: dt.datetime | None = None, rules=None) -> dict:
    """Evaluate the account's enabled rules at ``now``; states that changed (or are seen for
    the first time) go in as status events, in one ingest batch."""
    now = now or timezone.now()
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    if rules is None:
        rules = (
            PrometheusStatusRule.objects.for_account(account)
            .filter(enabled=True)
            .select_related("service", "source")
            .order_by("source_id", "pk")
        )
    rules = list(rules)
    clients = {}
    events, changed = [], []
    try:
        for rule in rules:
            client = clients.get(rule.source_id)
            if client is None:
                client = clients[rule.source_id] = client_for_source(rule.source)
            outcome = rule_evaluate(rule, client, at)
            rule.last_evaluated_at = now
            rule.last_error = outcome.error
            if outcome.state is not None:
                rule.last_value = outcome.value
                if outcome.state != rule.last_state:
                    events.append(_event(rule, outcome, at))
                    changed.append((rule, outcome.state))
    finally:
        for client in clients.values():
            client.close()
    result = events_ingest(account=account, items=events, now=now) if events else None
    rejected = {error["index"] for error in result.errors} if result else set()
    for index, (rule, state) in enumerate(changed):
        if index not in rejected:
            rule.last_state = state
        else:
            rule.last_error = "; ".join(
                error["error"] for error in result.errors if error["index"] == index
            )[:1000]
    PrometheusStatusRule.objects.bulk_update(
        rules, ["last_state", "last_value", "last_evaluated_at", "last_error"]
    )
    return {
        "rules": len(rules),
        "events": len(events),
        "new": result.new if result else 0,
        "errors": sum(1 for rule in rules if rule.last_error),
    }
