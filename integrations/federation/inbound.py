"""Receiving side: apply a pushed event to the receiving account, all or nothing, once.

Each push (protocol.py) is checked completely before anything is kept: a bad field is a
`PushRefused` naming it (`data.events[3].at`, `data.report.groups[0].uptime.percent`) and
the transaction rolls back. The event id is recorded in the same transaction
(`InboundReceipt`), so a repeated delivery changes nothing and is answered as a duplicate.

Pushed services and groups are mapped by path (groups by name) into the account, created on
first sight through sla.services.imports. State changes become status events of the
account through sla.services.ingest (with an id derived from service, instant and state,
so the same change pushed twice is stored once); rollups, incidents, the status page, its
Statuspage JSON, feeds and badges then derive from the same timeline as the plugin's.
Reports are stored as documents beside the account's own (`PushedReport`, files under
SLA_REPORT_DIR/pushed.federation/), with each subject's figures of the day.
"""

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import jsonschema_rs
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.federation import protocol
from integrations.federation.models import (
    InboundReceipt,
    PushedDailyRow,
    PushedDowntime,
    PushedIncident,
    PushedReport,
)
from reporting.services.reports import report_file
from sla.engine import StateError, normalize_state
from sla.models import Downtime, Service, ServiceGroup
from sla.models.services import Aggregation
from sla.services.imports import services_import
from sla.services.ingest import events_ingest, events_validate
from sla.validators import SERVICE_PATH_RE
from slaportal.instants import InstantError, parse_aware_instant

SCHEMA_FILE = Path(settings.BASE_DIR) / "reporting" / "schema" / "daily-report-v1.json"
SOURCE_RE = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
MAX_ITEMS = 100_000
PUSHED_DIR = "pushed.federation"
STATES = ("OK", "WARN", "CRIT", "UNKNOWN")
REQUIRED_RE = re.compile(r"^(.+) is a required property$")


class PushRefused(Exception):
    """A push that cannot be applied; `field` names the offending part of the body."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Envelope:
    """The checked envelope of a push."""

    event_id: str
    event_type: str
    source: str
    data: dict


def envelope_check(body, event_type: str) -> Envelope:
    if not isinstance(body, dict):
        raise PushRefused("", "the body must be a JSON object with id, type, source and data")
    event_id = body.get("id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= protocol.MAX_EVENT_ID_LENGTH:
        raise PushRefused("id", f"required: the event id, 1-{protocol.MAX_EVENT_ID_LENGTH} chars")
    if "\x00" in event_id:
        raise PushRefused("id", "must not contain NUL characters")
    if body.get("type") != event_type:
        raise PushRefused("type", f"this endpoint takes {event_type!r} events")
    source = body.get("source")
    if not isinstance(source, str) or not SOURCE_RE.fullmatch(source):
        raise PushRefused("source", "required: the pushing account's slug")
    data = body.get("data")
    if not isinstance(data, dict):
        raise PushRefused("data", "required: an object")
    return Envelope(event_id, event_type, source, data)


# --------------------------------------------------------------------------- checks


def _list(data: dict, key: str, *, required: bool = True) -> list:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise PushRefused(f"data.{key}", "required: a list")
    if len(value) > MAX_ITEMS:
        raise PushRefused(f"data.{key}", f"at most {MAX_ITEMS} items")
    return value


def _text(value, field: str, *, max_length: int, blank: bool = True) -> str:
    if value is None and blank:
        return ""
    if not isinstance(value, str) or (not blank and not value):
        raise PushRefused(field, "must be a non-empty string" if not blank else "must be a string")
    if len(value) > max_length or "\x00" in value:
        raise PushRefused(field, f"at most {max_length} characters, no NUL")
    return value


def _path(value, field: str) -> str:
    path = _text(value, field, max_length=300, blank=False)
    if not SERVICE_PATH_RE.fullmatch(path):
        raise PushRefused(field, "not a service path (segments separated by '/')")
    return path


def _instant(value, field: str, *, optional: bool = False) -> dt.datetime | None:
    if value is None and optional:
        return None
    try:
        return parse_aware_instant(value)
    except (InstantError, TypeError, ValueError) as error:
        raise PushRefused(field, str(error) or "an ISO 8601 instant with an offset") from None


def _state(value, field: str) -> str:
    try:
        return normalize_state(value)
    except (StateError, TypeError, AttributeError):
        raise PushRefused(field, "one of OK, WARN, CRIT, UNKNOWN") from None


def _object(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise PushRefused(field, "must be an object")
    return value


def _groups_checked(items: list) -> dict[str, dict]:
    groups = {}
    for index, item in enumerate(items):
        field = f"data.groups[{index}]"
        item = _object(item, field)
        name = _text(item.get("name"), f"{field}.name", max_length=200, blank=False)
        aggregation = item.get("aggregation", Aggregation.WORST)
        if aggregation not in Aggregation.values:
            raise PushRefused(f"{field}.aggregation", f"one of {', '.join(Aggregation.values)}")
        k = item.get("k")
        if aggregation == Aggregation.K_OF_N:
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1_000_000:
                raise PushRefused(f"{field}.k", "k_of_n needs k, an integer of at least 1")
        elif k is not None:
            raise PushRefused(f"{field}.k", "k is only used with k_of_n aggregation")
        title = _text(item.get("title"), f"{field}.title", max_length=200)
        groups[name] = {"name": name, "title": title, "aggregation": aggregation, "k": k}
    return groups


def _services_checked(items: list, groups: dict[str, dict]) -> dict[str, dict]:
    services = {}
    for index, item in enumerate(items):
        field = f"data.services[{index}]"
        item = _object(item, field)
        path = _path(item.get("path"), f"{field}.path")
        name = _text(item.get("name"), f"{field}.name", max_length=200)
        group = item.get("group")
        if group is not None and group not in groups:
            raise PushRefused(f"{field}.group", "not among data.groups")
        services[path] = {"path": path, "name": name, "group": group}
    return services


# --------------------------------------------------------------------------- catalog


def catalog_apply(
    account, services: dict[str, dict], groups: dict[str, dict], *, define_groups: bool
) -> None:
    """Groups and services of the push, created when missing; with `define_groups` the
    groups' title and aggregation follow the push (status pushes carry the definition).
    New services are inserted in one statement, as ingest creates services on first sight;
    a known service whose name or group changed goes through the service import (its
    labels kept), whose saves the group-membership receivers see."""
    group_ids = _groups_apply(account, groups, define=define_groups)
    if not services:
        return
    known = {
        row[0]: row[1:]
        for row in Service.objects.for_account(account)
        .filter(path__in=list(services))
        .values_list("path", "name", "group_id", "labels")
    }
    missing = [
        Service(
            account=account,
            path=path,
            name=services[path]["name"],
            group_id=group_ids.get(services[path]["group"]),
        )
        for path in sorted(services)
        if path not in known
    ]
    Service.objects.bulk_create(missing, batch_size=2000, ignore_conflicts=True)
    documents = []
    for path, (name, group_id, labels) in sorted(known.items()):
        service = services[path]
        if (name, group_id) == (service["name"], group_ids.get(service["group"])):
            continue
        document = {"path": path, "labels": labels or {}}
        if service["name"]:
            document["name"] = service["name"]
        if service["group"]:
            document["slaGroup"] = service["group"]
        documents.append(document)
    if not documents:
        return
    result = services_import(account=account, documents=documents)
    if result.errors:
        error = result.errors[0]
        raise PushRefused(f"data.services[{error['index']}].{error['field']}", error["error"])


def _groups_apply(account, groups: dict[str, dict], *, define: bool) -> dict[str, int]:
    """The ids of the push's groups by name (created when missing)."""
    existing = {
        group.name: group
        for group in ServiceGroup.objects.for_account(account).filter(name__in=list(groups))
    }
    for name, wanted in groups.items():
        group = existing.get(name)
        if group is None:
            group = existing[name] = ServiceGroup(account=account, name=name)
        elif not define:
            continue
        fields = {"title": wanted["title"], "aggregation": wanted["aggregation"], "k": wanted["k"]}
        unchanged = all(getattr(group, key) == value for key, value in fields.items())
        if group.pk is not None and unchanged:
            continue
        for key, value in fields.items():
            setattr(group, key, value)
        group.save()  # save() so the rollup receivers see a changed aggregation
    return {name: group.pk for name, group in existing.items()}


# --------------------------------------------------------------------------- status


def pushed_event_id(path: str, at: dt.datetime, state: str, flapping: bool | None = None) -> str:
    """The same change (service, instant, state, flag) is one status event however often
    pushed."""
    text = f"{path}|{at.astimezone(dt.UTC).isoformat()}|{state}"
    if flapping is not None:
        text += f"|{'flapping' if flapping else 'steady'}"
    return "fed-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _status_apply(account, envelope: Envelope, now: dt.datetime) -> dict:
    data = envelope.data
    groups = _groups_checked(_list(data, "groups", required=False))
    services = _services_checked(_list(data, "services"), groups)
    items = _list(data, "events")
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("service") not in services:
            raise PushRefused(f"data.events[{index}].service", "not among data.services")
    valid, errors = events_validate(items, now=now)
    if errors:
        error = errors[0]
        raise PushRefused(
            f"data.events[{error['index']}].{error['field']}".rstrip("."), error["error"]
        )
    catalog_apply(account, services, groups, define_groups=True)
    events = []
    for event in valid:
        item = {
            "service": event.path,
            "at": event.at.isoformat(),
            "state": event.state,
            "id": pushed_event_id(event.path, event.at, event.state, event.flapping),
        }
        if event.flapping is not None:
            item["flapping"] = event.flapping
        events.append(item)
    result = events_ingest(account=account, items=events, now=now)
    if result.errors:  # e.g. an id of this account naming another event: nothing is kept
        error = result.errors[0]
        index = valid[error["index"]].index  # the item's place in data.events
        raise PushRefused(f"data.events[{index}].{error['field']}", error["error"])
    return {"events": len(events), "new": result.new, "duplicates": result.duplicates}


# --------------------------------------------------------------------------- reports


@cache
def report_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


@cache
def report_validator():
    return jsonschema_rs.validator_for(report_schema())


@cache
def python_validator():
    return jsonschema.Draft202012Validator(report_schema())


def _json_pointer(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def report_check(report) -> None:
    """The most telling schema error as a PushRefused naming the field
    (data.report.<path>). The fast validator decides; only a bad report is described by
    jsonschema's best_match, which looks inside oneOf to the value that is wrong."""
    if report_validator().is_valid(report):
        return
    error = jsonschema.exceptions.best_match(python_validator().iter_errors(report))
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = REQUIRED_RE.match(error.message)
        if missing:
            parts.append(missing.group(1).strip("'"))
    raise PushRefused(f"data.report{_json_pointer(parts)}", error.message[:300])


def _pdf(data: dict) -> bytes:
    text = data.get("pdf_base64")
    if not isinstance(text, str):
        raise PushRefused("data.pdf_base64", "required: the PDF, base64")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PushRefused("data.pdf_base64", "not valid base64") from None
    if not content.startswith(b"%PDF-"):
        raise PushRefused("data.pdf_base64", "not a PDF document")
    return content


def _report_catalog(report: dict) -> tuple[dict, dict]:
    groups, services = {}, {}
    for group in report["groups"]:
        aggregation = group["aggregation"]
        # k is not in the report: a k_of_n group first seen here waits for a status push.
        if aggregation == Aggregation.K_OF_N:
            aggregation = Aggregation.WORST
        groups[group["name"]] = {
            "name": group["name"],
            "title": group["title"],
            "aggregation": aggregation,
            "k": None,
        }
        for service in group["services"]:
            services[service["path"]] = {
                "path": service["path"],
                "name": service["name"],
                "group": group["name"],
            }
    for service in report["ungrouped_services"]:
        services[service["path"]] = {
            "path": service["path"],
            "name": service["name"],
            "group": None,
        }
    return groups, services


def _row(report_row: PushedReport, subject: str, path: str, uptime) -> PushedDailyRow:
    seconds = (uptime or {}).get("seconds") or {}
    return PushedDailyRow(
        account_id=report_row.account_id,
        report=report_row,
        subject=subject,
        path=path,
        percent=(uptime or {}).get("percent"),
        seconds_ok=seconds.get("ok", 0),
        seconds_warn=seconds.get("warn", 0),
        seconds_crit=seconds.get("crit", 0),
        seconds_unknown=seconds.get("unknown", 0),
        seconds_unmonitored=seconds.get("unmonitored", 0),
        seconds_downtime=seconds.get("downtime", 0),
    )


def _report_rows(report_row: PushedReport, report: dict) -> list[PushedDailyRow]:
    rows = []
    for group in report["groups"]:
        rows.append(_row(report_row, "group", group["name"], group["uptime"]))
        rows += [
            _row(report_row, "service", service["path"], service["uptime"])
            for service in group["services"]
        ]
    rows += [
        _row(report_row, "service", service["path"], service["uptime"])
        for service in report["ungrouped_services"]
    ]
    return rows


def pushed_relative_path(account, source: str, day: dt.date, kind: str) -> str:
    return f"{PUSHED_DIR}/{account.slug}/{source}/{day.isoformat()}.{kind}"


def _write(relative: str, content: bytes) -> None:
    path = report_file(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def _report_apply(account, envelope: Envelope, now: dt.datetime) -> dict:
    data = envelope.data
    report = data.get("report")
    if not isinstance(report, dict):
        raise PushRefused("data.report", "required: the daily report (daily-report-v1)")
    report_check(report)
    pdf_bytes = _pdf(data)
    generated_at = _instant(data.get("generated_at"), "data.generated_at", optional=True)
    day = dt.date.fromisoformat(report["day"])
    groups, services = _report_catalog(report)
    catalog_apply(account, services, groups, define_groups=False)
    json_bytes = json.dumps(report, separators=(",", ":"), sort_keys=True).encode()
    paths = {
        kind: pushed_relative_path(account, envelope.source, day, kind) for kind in ("json", "pdf")
    }
    row, _ = PushedReport.objects.update_or_create(
        account=account,
        source=envelope.source,
        day=day,
        defaults={
            "timezone": report["account"]["timezone"],
            "schema_version": report["schema_version"],
            "json_path": paths["json"],
            "json_sha256": hashlib.sha256(json_bytes).hexdigest(),
            "json_size": len(json_bytes),
            "pdf_path": paths["pdf"],
            "pdf_sha256": hashlib.sha256(pdf_bytes).hexdigest(),
            "pdf_size": len(pdf_bytes),
            "summary": report["summary"],
            "generated_at": generated_at,
            "event_id": envelope.event_id,
            "received_at": now,
        },
    )
    PushedDailyRow.objects.filter(report=row).delete()
    rows = PushedDailyRow.objects.bulk_create(_report_rows(row, report), batch_size=2000)
    # Last, so a refused push leaves no files; a crash after this leaves files that the
    # next push of the day overwrites.
    _write(paths["json"], json_bytes)
    _write(paths["pdf"], pdf_bytes)
    return {"report": row.pk, "day": day.isoformat(), "rows": len(rows)}


# --------------------------------------------------------------------------- incidents


def _incidents_apply(account, envelope: Envelope, now: dt.datetime) -> dict:
    items = _list(envelope.data, "incidents")
    checked = []
    for index, item in enumerate(items):
        field = f"data.incidents[{index}]"
        item = _object(item, field)
        subject = item.get("subject")
        if subject not in ("service", "group"):
            raise PushRefused(f"{field}.subject", "service or group")
        if subject == "service":
            path = _path(item.get("path"), f"{field}.path")
        else:
            path = _text(item.get("path"), f"{field}.path", max_length=200, blank=False)
        started = _instant(item.get("started_at"), f"{field}.started_at")
        ended = _instant(item.get("ended_at"), f"{field}.ended_at", optional=True)
        if ended is not None and ended < started:
            raise PushRefused(f"{field}.ended_at", "before started_at")
        worst = _state(item.get("worst_state"), f"{field}.worst_state")
        state = _state(item.get("state"), f"{field}.state")
        checked.append((subject, path, started, ended, worst, state))
    for subject, path, started, ended, worst, state in checked:
        PushedIncident.objects.update_or_create(
            account=account,
            source=envelope.source,
            subject=subject,
            path=path,
            started_at=started,
            defaults={"ended_at": ended, "worst_state": worst, "state": state},
        )
    return {"incidents": len(checked)}


# --------------------------------------------------------------------------- downtimes


DOWNTIME_FIELDS = (
    "reason",
    "start",
    "end",
    "recurrence",
    "weekdays",
    "time_from",
    "duration_minutes",
    "timezone",
    "public",
)


def _downtime_subject(account, data: dict) -> dict:
    scope = data.get("scope")
    if scope == "account":
        return {"service": None, "group": None}
    if scope == "service":
        path = _path(data.get("target"), "data.target")
        service = Service.objects.for_account(account).filter(path=path).first()
        if service is None:  # first seen here: created like any pushed service
            service, _ = Service.objects.get_or_create(account=account, path=path)
        return {"service": service, "group": None}
    if scope == "group":
        name = _text(data.get("target"), "data.target", max_length=200, blank=False)
        group, _ = ServiceGroup.objects.get_or_create(account=account, name=name)
        return {"service": None, "group": group}
    raise PushRefused("data.scope", "service, group or account")


def _downtime_values(data: dict) -> dict:
    values = {
        "reason": _text(data.get("reason"), "data.reason", max_length=300),
        "start": _instant(data.get("start"), "data.start"),
        "end": _instant(data.get("end"), "data.end", optional=True),
        "recurrence": data.get("recurrence"),
        "weekdays": data.get("weekdays") if data.get("weekdays") is not None else [],
        "time_from": data.get("time_from"),
        "duration_minutes": data.get("duration_minutes"),
        "timezone": data.get("timezone") or "UTC",
        "public": data.get("public"),
    }
    if not isinstance(values["public"], bool):
        raise PushRefused("data.public", "true or false")
    duration = values["duration_minutes"]
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or duration < 0
    ):
        raise PushRefused("data.duration_minutes", "an integer number of minutes")
    if values["time_from"] is not None:
        try:
            values["time_from"] = dt.time.fromisoformat(values["time_from"])
        except (TypeError, ValueError):
            raise PushRefused("data.time_from", "HH:MM[:SS]") from None
    return values


def _downtime_apply(account, envelope: Envelope, now: dt.datetime) -> dict:
    data = envelope.data
    remote_id = data.get("remote_id")
    if isinstance(remote_id, bool) or not isinstance(remote_id, int) or not 1 <= remote_id < 2**63:
        raise PushRefused("data.remote_id", "required: the downtime's id at the source")
    deleted = data.get("deleted", False)
    if not isinstance(deleted, bool):
        raise PushRefused("data.deleted", "true or false")
    mapping, _ = PushedDowntime.objects.get_or_create(
        account=account, source=envelope.source, remote_id=remote_id
    )
    downtime = mapping.downtime
    if deleted:
        if downtime is not None:
            downtime.delete()
        return {"downtime": None, "deleted": True}
    values = _downtime_values(data) | _downtime_subject(account, data)
    downtime = downtime or Downtime(account=account)
    for key, value in values.items():
        setattr(downtime, key, value)
    try:
        downtime.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise PushRefused(f"data.{field if field != '__all__' else 'start'}", messages[0]) from None
    downtime.save()
    mapping.downtime = downtime
    mapping.save(update_fields=["downtime", "updated_at"])
    return {"downtime": downtime.pk, "deleted": False}


# --------------------------------------------------------------------------- entry


APPLY = {
    protocol.STATUS: _status_apply,
    protocol.REPORT: _report_apply,
    protocol.INCIDENT: _incidents_apply,
    protocol.DOWNTIME: _downtime_apply,
}


def federation_apply(*, account, event_type: str, body, now: dt.datetime | None = None) -> dict:
    """Apply one push to `account` (see the module docstring); raises PushRefused."""
    now = now or timezone.now()
    envelope = envelope_check(body, event_type)
    answer = {"id": envelope.event_id, "type": event_type, "duplicate": True, "applied": {}}
    receipts = InboundReceipt.objects.for_account(account)
    if receipts.filter(event_id=envelope.event_id).exists():
        return answer
    try:
        with transaction.atomic():
            InboundReceipt.objects.create(
                account=account,
                event_id=envelope.event_id,
                event_type=event_type,
                source=envelope.source,
            )
            applied = APPLY[event_type](account, envelope, now)
    except IntegrityError:
        if receipts.filter(event_id=envelope.event_id).exists():
            return answer  # the same event applied concurrently
        raise
    return answer | {"duplicate": False, "applied": applied}
