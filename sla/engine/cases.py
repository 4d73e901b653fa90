"""Acceptance cases: parse the JSON shape of SLA-SEMANTICS.md section 4 and evaluate it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import SpecError
from .evaluate import evaluate
from .spec import SLASpec, TimePeriodSpec, parse_sla, parse_time_period
from .states import StateError, normalize_state
from .types import Event, Interval

# Periods around an instant must stay inside what ``datetime`` can represent.
_MIN_YEAR, _MAX_YEAR = 2, 9998
_CASE_KEYS = (
    "sla",
    "events",
    "downtimes",
    "service_period",
    "notification_period",
    "range",
    "now",
    "description",
    "expected",
)


@dataclass(frozen=True)
class Case:
    """A parsed case; ``now`` ``None`` means the real current time."""

    sla: SLASpec
    events: tuple[Event, ...]
    downtimes: tuple[Interval, ...]
    range_from: datetime
    range_to: datetime
    now: datetime | None = None
    service_period: TimePeriodSpec | None = None
    notification_period: TimePeriodSpec | None = None


def parse_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 instant with an offset or ``Z``; naive timestamps are rejected."""
    if not isinstance(value, str):
        raise SpecError(field, "must be an ISO 8601 timestamp string")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise SpecError(field, f"{value!r} is not an ISO 8601 timestamp") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise SpecError(field, f"{value!r} has no UTC offset; add 'Z' or '+HH:MM'")
    try:
        year = instant.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise SpecError(field, f"{value!r} is outside the years {_MIN_YEAR}-{_MAX_YEAR}")
    return instant


def _object(value: Any, field: str, keys: tuple[str, ...], optional=()) -> dict:
    if not isinstance(value, dict):
        raise SpecError(field, "must be an object")
    for key in value:
        if key not in keys and key not in optional:
            raise SpecError(f"{field}.{key}" if field else key, "unknown key")
    for key in keys:
        if key not in value:
            raise SpecError(f"{field}.{key}" if field else key, "is required")
    return value


def _list(obj: dict, key: str) -> list:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise SpecError(key, "must be a list")
    return value


def _event(value: Any, field: str) -> Event:
    _object(value, field, ("at", "state"), optional=("flapping",))
    at = parse_instant(value["at"], f"{field}.at")
    try:
        state = normalize_state(value["state"])
    except StateError as err:
        raise SpecError(f"{field}.state", str(err)) from None
    flapping = value.get("flapping")
    if flapping is not None and not isinstance(flapping, bool):
        raise SpecError(f"{field}.flapping", "must be true or false")
    return Event(at=at, state=state, flapping=flapping)


def _optional_time_period(obj: dict, key: str) -> TimePeriodSpec | None:
    if obj.get(key) is None:
        return None
    return parse_time_period(obj[key], key)


def _downtime(value: Any, field: str) -> Interval:
    _object(value, field, ("start", "end"))
    start = parse_instant(value["start"], f"{field}.start")
    end = parse_instant(value["end"], f"{field}.end")
    if end <= start:
        raise SpecError(f"{field}.end", "must be after start")
    return Interval(start=start, end=end)


def parse_case(obj: Any) -> Case:
    """Validate a case; raises SpecError naming the field (``events[3].at`` ...)."""
    if not isinstance(obj, dict):
        raise SpecError("case", "must be a JSON object")
    for key in obj:
        if key not in _CASE_KEYS:
            raise SpecError(key, f"unknown key; allowed: {', '.join(_CASE_KEYS)}")
    if "sla" not in obj:
        raise SpecError("sla", "is required")
    sla = parse_sla(obj["sla"], "sla")
    events = tuple(_event(item, f"events[{i}]") for i, item in enumerate(_list(obj, "events")))
    downtimes = tuple(
        _downtime(item, f"downtimes[{i}]") for i, item in enumerate(_list(obj, "downtimes"))
    )
    if "range" not in obj:
        raise SpecError("range", "is required")
    range_obj = _object(obj["range"], "range", ("from", "to"))
    range_from = parse_instant(range_obj["from"], "range.from")
    range_to = parse_instant(range_obj["to"], "range.to")
    if range_to <= range_from:
        raise SpecError("range.to", "must be after range.from")
    now = parse_instant(obj["now"], "now") if obj.get("now") is not None else None
    return Case(
        sla,
        events,
        downtimes,
        range_from,
        range_to,
        now,
        service_period=_optional_time_period(obj, "service_period"),
        notification_period=_optional_time_period(obj, "notification_period"),
    )


def evaluate_case(case: Case) -> dict:
    """``{"periods": [...]}`` exactly as section 4 describes."""
    now = case.now if case.now is not None else datetime.now(UTC)
    periods = evaluate(
        case.sla,
        case.events,
        case.downtimes,
        case.range_from,
        case.range_to,
        now,
        service_period=case.service_period,
        notification_period=case.notification_period,
    )
    return {"periods": [period.to_json() for period in periods]}
