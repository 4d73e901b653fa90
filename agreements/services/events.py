"""What an assessment round tells the rest of SLA Portal, inside its transaction:

- ``agreement.level_changed`` (the NOTIFICATION shape) when the agreement's level changed
  (not from the ``Unknown`` it was created with), and ``agreement.violation`` (the
  VIOLATION list) for a broken round, through the outbox to the account's webhooks and
  email recipients (and ``SLA_NOTIFICATION_ENDPOINT``, a delivery kind of its own);
- a status event of the linked service per level change (Met -> OK, Broken -> WARN,
  Critical -> CRIT, Unknown -> UNKNOWN) through ``sla.services.ingest`` with the id
  ``agreement:<agreement id>:<ms>:<level>``, so incidents, SLA periods and the status page
  follow as for any agent's event.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from agreements.engine import Round
from agreements.payloads import instant_text, kpi_payload, violation_entry, violation_payload
from reporting.services.notifications import notifications_emit_many
from sla.services.ingest import events_ingest

logger = logging.getLogger(__name__)

LEVEL_CHANGED = "agreement.level_changed"
VIOLATION = "agreement.violation"
SERVICE_STATES = {"Met": "OK", "Broken": "WARN", "Critical": "CRIT", "Unknown": "UNKNOWN"}


def _milliseconds(at: dt.datetime) -> int:
    return round(at.timestamp() * 1000)


@dataclass
class RoundEvents:
    """The events of one batch of rounds of an account, emitted together."""

    account: object
    at: dt.datetime
    changed: list = field(default_factory=list)

    def add(self, agreement, round_: Round) -> None:
        if round_.level_changed:
            self.changed.append((agreement, round_.previous_level, round_.state.level))

    def emit(self, violations: list) -> None:
        notifications = [
            (
                LEVEL_CHANGED,
                kpi_payload(agreement),
                f"agreement:{agreement.pk}:level:{_milliseconds(self.at)}",
            )
            for agreement, previous, _level in self.changed
            if previous != "Unknown"
        ]
        notifications += self._violation_events(violations)
        if notifications:
            notifications_emit_many(account=self.account, events=notifications, now=self.at)
        self._status_events()

    def _violation_events(self, violations: list) -> list:
        by_agreement: dict = defaultdict(lambda: defaultdict(list))
        agreements = {}
        for violation in violations:
            agreements[violation.agreement_id] = violation.agreement
            by_agreement[violation.agreement_id][violation.guarantee.name].append(
                violation_entry(
                    agreement=violation.agreement,
                    guarantee_name=violation.guarantee.name,
                    at=violation.at,
                    constraint=violation.constraint,
                    values=violation.values,
                    id_=violation.pk or "",
                )
            )
        return [
            (
                VIOLATION,
                [violation_payload(agreements[pk], dict(entries))],
                f"agreement:{pk}:violation:{_milliseconds(self.at)}",
            )
            for pk, entries in by_agreement.items()
        ]

    def _status_events(self) -> None:
        items = [
            {
                "service": agreement.service.path,
                "at": self.at.isoformat(),
                "state": SERVICE_STATES[level],
                "message": f"agreement {agreement.agreement_id}: {previous} -> {level} "
                f"at {instant_text(self.at)}"[:4096],
                "id": f"agreement:{agreement.agreement_id}:{_milliseconds(self.at)}:{level}",
            }
            for agreement, previous, level in self.changed
            if agreement.service_id is not None
        ]
        if not items:
            return
        result = events_ingest(account=self.account, items=items, now=self.at)
        for error in result.errors:
            logger.warning("agreement status event refused: %s", error)
