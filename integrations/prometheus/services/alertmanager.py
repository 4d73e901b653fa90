"""Alertmanager as a status source: its webhook payload (version 4) to status events.

Each alert maps to a service: the value of the account's service label (default
``service``), else the fallback template (default ``{{job}}/{{instance}}``, characters a
service path cannot hold become ``_``). Its ``severity`` label gives the state
(``critical``/``page``/``error`` -> CRIT, ``warning`` -> WARN, configurable; ``ignore``
drops the alert). An alert is identified by fingerprint + ``startsAt``: Alertmanager sends
it again every ``repeat_interval``, and a repeat changes nothing. ``firing`` opens it at
``startsAt``, ``resolved`` closes it at ``endsAt``.

A service with several alerts takes the worst firing one: at every instant where one of
its alerts starts or ends, the service's state is the worst of the alerts firing then (OK
when none is). Those states go in as status events through ``sla.services.ingest`` with
ids ``alertmanager:<fingerprint>:<startsAt>:<firing|resolved>:<state>``, so a repeated
payload is all duplicates; unknown services follow the account's auto-create setting.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from integrations.prometheus.models import (
    DEFAULT_SEVERITY_STATES,
    AlertmanagerAlert,
    AlertmanagerSettings,
)
from licensing.limits import creatable_paths
from sla.engine.states import STATE_BADNESS
from sla.models import Service
from sla.services.ingest import events_ingest
from sla.validators import SERVICE_PATH_RE
from slaportal.instants import InstantError, parse_aware_instant

MAX_ALERTS = 1000
TEMPLATE_RE = re.compile(r"\{\{\s*\.?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
PATH_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._/\-]")
ZERO_TIME_YEAR = 1  # Go's zero time (0001-01-01T00:00:00Z): "not resolved yet"


class PayloadError(ValueError):
    """The payload as a whole is malformed; ``field`` names where."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class ParsedAlert:
    index: int
    status: str
    labels: dict
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    fingerprint: str


@dataclass
class ReceiveResult:
    """What a payload did: alerts received, mapped, ignored, rejected; events new/duplicate."""

    received: int = 0
    alerts_new: int = 0
    alerts_resolved: int = 0
    ignored: int = 0
    events_new: int = 0
    events_duplicate: int = 0
    errors: list[dict] = field(default_factory=list)
    services_created: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({error["index"] for error in self.errors})

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "accepted": self.received - self.rejected,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "alerts_new": self.alerts_new,
            "alerts_resolved": self.alerts_resolved,
            "events_new": self.events_new,
            "events_duplicate": self.events_duplicate,
            "errors": self.errors,
            "services_created": self.services_created,
        }


def settings_for(account) -> AlertmanagerSettings:
    found = AlertmanagerSettings.objects.for_account(account).first()
    return found or AlertmanagerSettings(account=account)


# --------------------------------------------------------------------------- parsing


def _instant(value, field_name: str, *, zero_is_none: bool = False) -> dt.datetime | None:
    if zero_is_none and isinstance(value, str) and value.startswith("0001-01-01"):
        return None
    try:
        return parse_aware_instant(value)
    except InstantError as error:
        raise PayloadError(field_name, str(error)) from None


def _labels(value, field_name: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(field_name, "Give the labels as an object of strings.")
    for key, text in value.items():
        if not isinstance(text, str) or len(text) > 1000 or len(key) > 200:
            raise PayloadError(f"{field_name}.{key}"[:300], "Label values are strings.")
    return value


def _fingerprint(item: dict, labels: dict, field_name: str) -> str:
    value = item.get("fingerprint")
    if value is None:  # senders other than Alertmanager may leave it out
        text = "\x00".join(f"{key}\x01{labels[key]}" for key in sorted(labels))
        return hashlib.sha256(text.encode()).hexdigest()[:16]
    if not isinstance(value, str) or not value or len(value) > 64:
        raise PayloadError(field_name, "Give the fingerprint as a string of at most 64 characters.")
    return value


def parse_alert(item, index: int) -> ParsedAlert:
    prefix = f"alerts[{index}]"
    if not isinstance(item, dict):
        raise PayloadError(prefix, "Each alert must be an object.")
    status = item.get("status")
    if status not in ("firing", "resolved"):
        raise PayloadError(f"{prefix}.status", 'Give "firing" or "resolved".')
    labels = _labels(item.get("labels"), f"{prefix}.labels")
    starts_at = _instant(item.get("startsAt"), f"{prefix}.startsAt")
    ends_at = _instant(
        item.get("endsAt", "0001-01-01T00:00:00Z"), f"{prefix}.endsAt", zero_is_none=True
    )
    if status == "resolved" and ends_at is None:
        raise PayloadError(f"{prefix}.endsAt", "A resolved alert needs its endsAt.")
    if ends_at is not None and ends_at < starts_at:
        raise PayloadError(f"{prefix}.endsAt", "endsAt is before startsAt.")
    return ParsedAlert(
        index=index,
        status=status,
        labels=labels,
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        fingerprint=_fingerprint(item, labels, f"{prefix}.fingerprint"),
    )


def parse_payload(payload) -> list[ParsedAlert]:
    """The alerts of a webhook payload; PayloadError (naming the field) when malformed."""
    if not isinstance(payload, dict):
        raise PayloadError("non_field_errors", "Send Alertmanager's webhook payload (an object).")
    version = payload.get("version")
    if version is not None and str(version) != "4":
        raise PayloadError(
            "version", f"Only version 4 payloads are understood, not {str(version)[:20]!r}."
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts", "Give the alerts as a list.")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError("alerts", f"At most {MAX_ALERTS} alerts per payload.")
    return [parse_alert(item, index) for index, item in enumerate(alerts)]


# --------------------------------------------------------------------------- mapping


def service_path(config: AlertmanagerSettings, labels: dict) -> tuple[str | None, str]:
    """(path, error): the service label's value as it is, or the template's rendering."""
    value = labels.get(config.service_label or "service")
    if value:
        if not SERVICE_PATH_RE.fullmatch(value) or len(value) > 300:
            return None, f"label {config.service_label}={value[:100]!r} is not a service path"
        return value, ""
    template = config.fallback_template
    if not template:
        return None, f"no {config.service_label!r} label (and no fallback template)"
    missing = [name for name in TEMPLATE_RE.findall(template) if not labels.get(name)]
    if missing:
        return None, f"no {config.service_label!r} label, and the template needs {missing}"
    rendered = TEMPLATE_RE.sub(lambda match: labels[match.group(1)], template)
    path = PATH_UNSAFE_RE.sub("_", rendered).strip("/")
    path = "/".join(part if part[:1].isalnum() else f"x{part}" for part in path.split("/") if part)
    if not path or not SERVICE_PATH_RE.fullmatch(path) or len(path) > 300:
        return None, f"the template gives {rendered[:100]!r}, not a service path"
    return path, ""


def alert_state(config: AlertmanagerSettings, labels: dict) -> str:
    states = config.severity_states or DEFAULT_SEVERITY_STATES
    severity = labels.get("severity", "")
    return states.get(severity, states.get(severity.lower(), config.default_state))


# --------------------------------------------------------------------------- receiving


def alertmanager_receive(*, account, payload, now: dt.datetime | None = None) -> ReceiveResult:
    """Store the payload's alerts and turn them into status events (see module docstring).
    Raises PayloadError when the payload is malformed (nothing is stored then)."""
    now = now or timezone.now()
    alerts = parse_payload(payload)
    config = settings_for(account)
    result = ReceiveResult(received=len(alerts))
    mapped: list[tuple[ParsedAlert, str, str]] = []
    for alert in alerts:
        path, problem = service_path(config, alert.labels)
        if path is None:
            result.errors.append({"index": alert.index, "field": "labels", "error": problem})
            continue
        state = alert_state(config, alert.labels)
        if state == "ignore":
            result.ignored += 1
            continue
        mapped.append((alert, path, state))
    if not mapped:
        return result
    with transaction.atomic():
        services = _services(account, {path for _, path, _ in mapped}, result)
        usable = []
        for alert, path, state in mapped:
            if path not in services:
                result.errors.append(
                    {
                        "index": alert.index,
                        "field": "labels",
                        "error": f"unknown service {path!r}; this account does not create "
                        "services on first sight",
                    }
                )
                continue
            usable.append((alert, services[path], state))
        touched = _store_alerts(account, usable, result)
        events = _events(account, touched)
        if events:
            outcome = events_ingest(account=account, items=events, now=now)
            result.events_new += outcome.new
            result.events_duplicate += outcome.duplicates
    result.errors.sort(key=lambda error: error["index"])
    return result


def _services(account, paths: set[str], result: ReceiveResult) -> dict[str, Service]:
    services = {s.path: s for s in Service.objects.for_account(account).filter(path__in=paths)}
    missing = sorted(paths - services.keys())
    if missing and account.feature_auto_create_services:
        missing = creatable_paths(account, missing)[0]  # beyond the licence: unknown
        Service.objects.bulk_create(
            [Service(account=account, path=path) for path in missing], ignore_conflicts=True
        )
        for service in Service.objects.for_account(account).filter(path__in=missing):
            services[service.path] = service
        result.services_created = missing
    return services


def _store_alerts(account, usable, result: ReceiveResult) -> dict[int, list[tuple]]:
    """Upsert the alerts (fingerprint + startsAt: one read, one insert, one update); the
    change instants per service id."""
    existing = {
        (row.fingerprint, row.starts_at): row
        for row in AlertmanagerAlert.objects.for_account(account)
        .filter(fingerprint__in={alert.fingerprint for alert, _, _ in usable})
        .select_related("service")
    }
    new, resolved = {}, {}
    for alert, service, state in usable:
        key = (alert.fingerprint, alert.starts_at)
        row = existing.get(key) or new.get(key)
        if row is None:
            new[key] = AlertmanagerAlert(
                account=account,
                service=service,
                fingerprint=alert.fingerprint,
                starts_at=alert.starts_at,
                ends_at=alert.ends_at,
                state=state,
                alertname=alert.labels.get("alertname", "")[:200],
            )
        elif alert.ends_at is not None and row.ends_at is None:
            row.ends_at = alert.ends_at
            row.updated_at = timezone.now()
            if row.pk is not None:
                resolved[key] = row
    # Concurrent deliveries of the same group: the unique key keeps one row of each alert.
    AlertmanagerAlert.objects.bulk_create(list(new.values()), ignore_conflicts=True)
    AlertmanagerAlert.objects.bulk_update(list(resolved.values()), ["ends_at", "updated_at"])
    result.alerts_new += len(new)
    result.alerts_resolved += len(resolved)
    touched: dict[int, list[tuple]] = {}
    for alert, _, _ in usable:
        key = (alert.fingerprint, alert.starts_at)
        row = existing.get(key) or new[key]
        changes = touched.setdefault(row.service_id, [])
        changes.append((row, "firing", row.starts_at))
        if row.ends_at is not None:
            changes.append((row, "resolved", row.ends_at))
    return touched


def _events(account, touched: dict[int, list[tuple]]) -> list[dict]:
    """At each change instant of each touched service: the worst state of its alerts firing
    then (OK when none), as an event with a deterministic id."""
    if not touched:
        return []
    earliest = min(instant for changes in touched.values() for _, _, instant in changes)
    # Plain tuples, not model instances: a busy service can have hundreds of open alerts.
    alerts_by_service: dict[int, list[tuple]] = {}
    rows = (
        AlertmanagerAlert.objects.for_account(account)
        .filter(service_id__in=list(touched))
        .exclude(ends_at__lte=earliest)
        .values_list("service_id", "starts_at", "ends_at", "state")
    )
    for service_id, starts_at, ends_at, state in rows:
        alerts_by_service.setdefault(service_id, []).append((starts_at, ends_at, state))
    events = []
    for service_id, changes in touched.items():
        service_alerts = alerts_by_service.get(service_id, [])
        for row, kind, instant in changes:
            firing = [
                state
                for starts_at, ends_at, state in service_alerts
                if starts_at <= instant and (ends_at is None or ends_at > instant)
            ]
            state = max(firing, key=STATE_BADNESS.__getitem__) if firing else "OK"
            events.append(
                {
                    "service": row.service.path,
                    "at": instant.isoformat(),
                    "state": state,
                    "message": f"Alertmanager: {row.alertname or row.fingerprint} {kind}"[:4096],
                    "id": (
                        f"alertmanager:{row.fingerprint}:{row.starts_at.isoformat()}:{kind}:{state}"
                    ),
                }
            )
    return events
