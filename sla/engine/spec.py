"""SLA definitions: frozen dataclasses, parsed and validated from their JSON shapes.

The JSON shapes are those of SLA-SEMANTICS.md section 2. Every parser raises
:class:`SpecError` naming the offending field with a dotted path, e.g.
``sla.requirements[0].target`` or ``sla.time_period.monday[1]``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SpecError
from .instants import exact_decimal, micros_at_least
from .states import UNKNOWN, WARN, StateError, normalize_state

PERIODS = ("daily", "weekly", "monthly", "quarterly", "yearly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DOWNTIME_MODES = ("honor", "exclude", "ignore")
OUTAGE_SPLITS = ("per_period", "start_period")
SERVICE_PERIOD_MODES = ("honor", "ignore")
NOTIFICATION_PERIOD_MODES = ("ignore", "honor")
FLAPPING_MODES = ("ignore", "consider")
KINDS = ("percentage", "outages")
COMPARISONS = ("min", "max")

MINUTES_PER_DAY = 24 * 60

# A time range in minutes of the day: ``(start, end)``, ``0 <= start < end <= 1440``.
Range = tuple[int, int]

_RANGE_RE = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Levels:
    """Warning and critical levels: ``crit <= warn``; a result ``R <= level`` reaches it.

    Exact: the decimals as written (``50.5`` is 101/2), compared as rationals.
    """

    warn: Fraction
    crit: Fraction


@dataclass(frozen=True)
class TimePeriodSpec:
    """Active wall-clock ranges per weekday (Monday first) plus date exceptions.

    An exception replaces that date's weekday ranges; an empty exception is a holiday.
    Ranges are sorted, non-overlapping minutes of the day.
    """

    weekdays: tuple[tuple[Range, ...], ...]
    exceptions: tuple[tuple[date, tuple[Range, ...]], ...] = ()
    _by_date: dict = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.weekdays) != 7:
            raise ValueError("TimePeriodSpec.weekdays needs seven entries, Monday first")
        object.__setattr__(self, "_by_date", dict(self.exceptions))

    def ranges_for(self, day: date) -> tuple[Range, ...]:
        """The active ranges of a local date (its exception, else its weekday's)."""
        ranges = self._by_date.get(day)
        if ranges is None:
            return self.weekdays[day.weekday()]
        return ranges


@dataclass(frozen=True)
class FlapDetection:
    """A service is flapping at ``t`` when at least ``changes`` raw state changes lie in
    ``(t - window_seconds, t]`` (``changes >= 2``, ``window_seconds > 0``, exact)."""

    changes: int
    window_seconds: Fraction

    @property
    def window_micros(self) -> int:
        """The window in whole microseconds, rounded up (a window is never shortened)."""
        return micros_at_least(self.window_seconds)


@dataclass(frozen=True)
class Options:
    """Evaluation options of an SLA (section 2 of the semantics)."""

    downtimes: str = "honor"
    downtime_ok_is_uptime: bool = False
    warn_as: str = WARN
    unknown_as: str = UNKNOWN
    short_interval_seconds: float | Fraction = 0
    merge_phases: bool = True
    include_unmonitored: bool = False
    outage_split: str = "per_period"
    service_period: str = "honor"
    notification_period: str = "ignore"
    flapping: str = "ignore"
    flap_detection: FlapDetection | None = None

    @property
    def detects_flapping(self) -> bool:
        """Is flapping classified at all (``flapping: consider``)?"""
        return self.flapping == "consider"

    @property
    def lookback_micros(self) -> int:
        """How far before a period detection reads changes (0 without detection)."""
        if self.flapping != "consider" or self.flap_detection is None:
            return 0
        return self.flap_detection.window_micros


@dataclass(frozen=True)
class Requirement:
    """One requirement; fields that do not apply to its ``kind`` are ``None``.

    ``target`` and ``min_duration_seconds`` are exact (:class:`~fractions.Fraction` of the
    decimal as written: ``99.9`` is 999/10), so every decision on them is exact.
    """

    title: str
    kind: str
    state: str
    comparison: str | None = None
    target: Fraction | None = None
    max_count: int | None = None
    min_duration_seconds: Fraction | None = None
    levels: Levels | None = None
    time_period: TimePeriodSpec | None = None
    # The shortest outage in whole microseconds: a span of ``d`` microseconds is an outage
    # when ``d >= min_duration_seconds * 10**6``, i.e. ``d >=`` this (rounded up).
    min_duration_micros: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_duration_seconds:
            object.__setattr__(
                self, "min_duration_micros", micros_at_least(self.min_duration_seconds)
            )


@dataclass(frozen=True)
class SLASpec:
    """A whole SLA definition; ``time_period`` ``None`` means 24x7."""

    period: str
    timezone: str = "UTC"
    time_period: TimePeriodSpec | None = None
    options: Options = Options()
    requirements: tuple[Requirement, ...] = ()


# --------------------------------------------------------------------------- helpers


def _expect_object(obj: Any, field_name: str) -> dict:
    if not isinstance(obj, dict):
        raise SpecError(field_name, f"must be an object, not {_json_type(obj)}")
    return obj


def _reject_unknown_keys(obj: dict, allowed: tuple[str, ...] | set, field_name: str) -> None:
    for key in obj:
        if key not in allowed:
            raise SpecError(
                _join(field_name, key), f"unknown key; allowed: {', '.join(sorted(allowed))}"
            )


def _join(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else str(key)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def is_number(value: Any) -> bool:
    """A finite JSON number (a ``Decimal`` too, as read with ``parse_float=Decimal``);
    booleans are not numbers."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any, field_name: str, minimum: float | None = None, maximum=None) -> float:
    if not is_number(value):
        raise SpecError(field_name, f"must be a number, not {_json_type(value)}")
    if minimum is not None and value < minimum:
        raise SpecError(field_name, f"must be >= {minimum}, got {_written(value)}")
    if maximum is not None and value > maximum:
        raise SpecError(field_name, f"must be <= {maximum}, got {_written(value)}")
    return value


def _exact_number(value: Any, field_name: str, minimum=None, maximum=None) -> Fraction:
    """A number read as the exact decimal it is written as (targets, levels, durations)."""
    return exact_decimal(_number(value, field_name, minimum, maximum))


def _written(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else repr(value)


def _choice(value: Any, choices: tuple[str, ...], field_name: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(field_name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _boolean(value: Any, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(field_name, f"must be true or false, not {_json_type(value)}")
    return value


def _state(value: Any, field_name: str) -> str:
    try:
        return normalize_state(value)
    except StateError as err:
        raise SpecError(field_name, str(err)) from None


def _required(obj: dict, key: str, field_name: str) -> Any:
    if key not in obj:
        raise SpecError(_join(field_name, key), "is required")
    return obj[key]


@cache
def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def validate_timezone(value: Any, field_name: str) -> str:
    """Return ``value`` if it is a known IANA timezone name, else raise SpecError."""
    if not isinstance(value, str) or not value or not _valid_timezone(value):
        raise SpecError(field_name, f"unknown timezone {value!r}; use an IANA name")
    return value


# --------------------------------------------------------------------------- time periods


def parse_range(value: Any, field_name: str) -> Range:
    """Parse ``"HH:MM-HH:MM"`` into minutes; ``24:00`` is allowed as an end only."""
    if not isinstance(value, str):
        raise SpecError(field_name, f"must be a string 'HH:MM-HH:MM', not {_json_type(value)}")
    match = _RANGE_RE.fullmatch(value)
    if match is None:
        raise SpecError(field_name, f"malformed time range {value!r}; expected 'HH:MM-HH:MM'")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise SpecError(
            field_name, f"malformed time range {value!r}; hours 00-23 (24:00 only as end)"
        )
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start >= end:
        raise SpecError(
            field_name,
            f"time range {value!r} is inverted or empty: start must be before end "
            "(a range never crosses midnight; use 24:00 as end)",
        )
    return start, end


def _parse_ranges(value: Any, field_name: str) -> tuple[Range, ...]:
    if not isinstance(value, list):
        raise SpecError(field_name, f"must be a list of 'HH:MM-HH:MM', not {_json_type(value)}")
    ranges: list[Range] = []
    for index, item in enumerate(value):
        item_field = f"{field_name}[{index}]"
        start, end = parse_range(item, item_field)
        for other_start, other_end in ranges:
            if start < other_end and other_start < end:
                raise SpecError(
                    item_field,
                    f"time range {item!r} overlaps "
                    f"{format_range((other_start, other_end))!r} of the same day",
                )
        ranges.append((start, end))
    return tuple(sorted(ranges))


def parse_time_period(obj: Any, field: str = "time_period") -> TimePeriodSpec:
    """Parse ``{"monday": [...], ..., "exceptions": {"YYYY-MM-DD": [...]}}``."""
    obj = _expect_object(obj, field)
    _reject_unknown_keys(obj, (*WEEKDAYS, "exceptions"), field)
    weekdays = tuple(
        _parse_ranges(obj[day], _join(field, day)) if day in obj else () for day in WEEKDAYS
    )
    exceptions: list[tuple[date, tuple[Range, ...]]] = []
    if "exceptions" in obj:
        exceptions_field = _join(field, "exceptions")
        raw = _expect_object(obj["exceptions"], exceptions_field)
        for key, value in raw.items():
            key_field = _join(exceptions_field, key)
            try:
                if not _DATE_RE.fullmatch(key):
                    raise ValueError(key)
                day = date.fromisoformat(key)
            except ValueError:
                raise SpecError(
                    key_field, f"exception key {key!r} is not a date YYYY-MM-DD"
                ) from None
            exceptions.append((day, _parse_ranges(value, key_field)))
    return TimePeriodSpec(weekdays=weekdays, exceptions=tuple(sorted(exceptions)))


def format_range(value: Range) -> str:
    start, end = value
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def time_period_to_json(spec: TimePeriodSpec) -> dict:
    """The JSON shape of a time period; ``parse_time_period`` reads it back unchanged."""
    result: dict[str, Any] = {}
    for name, ranges in zip(WEEKDAYS, spec.weekdays, strict=True):
        if ranges:
            result[name] = [format_range(item) for item in ranges]
    if spec.exceptions:
        result["exceptions"] = {
            day.isoformat(): [format_range(item) for item in ranges]
            for day, ranges in spec.exceptions
        }
    return result


# --------------------------------------------------------------------------- options


def parse_options(obj: Any, field: str = "options") -> Options:
    """Parse the ``options`` object; every key is optional, unknown keys are errors."""
    if obj is None:
        return Options()
    obj = _expect_object(obj, field)
    _reject_unknown_keys(obj, Options.__dataclass_fields__.keys(), field)
    values: dict[str, Any] = {}
    if "downtimes" in obj:
        values["downtimes"] = _choice(obj["downtimes"], DOWNTIME_MODES, _join(field, "downtimes"))
    for key in ("downtime_ok_is_uptime", "merge_phases", "include_unmonitored"):
        if key in obj:
            values[key] = _boolean(obj[key], _join(field, key))
    for key in ("warn_as", "unknown_as"):
        if key in obj:
            values[key] = _state(obj[key], _join(field, key))
    if "short_interval_seconds" in obj:
        key_field = _join(field, "short_interval_seconds")
        values["short_interval_seconds"] = _exact_number(
            obj["short_interval_seconds"], key_field, 0
        )
    if "outage_split" in obj:
        values["outage_split"] = _choice(
            obj["outage_split"], OUTAGE_SPLITS, _join(field, "outage_split")
        )
    for key, modes in (
        ("service_period", SERVICE_PERIOD_MODES),
        ("notification_period", NOTIFICATION_PERIOD_MODES),
        ("flapping", FLAPPING_MODES),
    ):
        if key in obj:
            values[key] = _choice(obj[key], modes, _join(field, key))
    if obj.get("flap_detection") is not None:
        values["flap_detection"] = parse_flap_detection(
            obj["flap_detection"], _join(field, "flap_detection")
        )
    return Options(**values)


def parse_flap_detection(obj: Any, field: str = "flap_detection") -> FlapDetection:
    """Parse ``{"changes": N, "window_seconds": W}`` with ``N >= 2`` and ``W > 0``."""
    obj = _expect_object(obj, field)
    _reject_unknown_keys(obj, ("changes", "window_seconds"), field)
    changes_field = _join(field, "changes")
    changes = _count(_required(obj, "changes", field), changes_field)
    if changes < 2:
        raise SpecError(changes_field, f"must be >= 2 (a change needs a second), got {changes}")
    window_field = _join(field, "window_seconds")
    window = _exact_number(_required(obj, "window_seconds", field), window_field)
    if window <= 0:
        raise SpecError(window_field, f"must be > 0, got {format_decimal(window)}")
    return FlapDetection(changes=changes, window_seconds=window)


def options_to_json(options: Options) -> dict:
    result = {name: getattr(options, name) for name in Options.__dataclass_fields__}
    result["short_interval_seconds"] = json_number(exact_decimal(options.short_interval_seconds))
    detection = options.flap_detection
    result["flap_detection"] = (
        None
        if detection is None
        else {
            "changes": detection.changes,
            "window_seconds": json_number(detection.window_seconds),
        }
    )
    return result


# --------------------------------------------------------------------------- requirements

_COMMON_KEYS = ("title", "kind", "state", "levels", "time_period")
_KIND_KEYS = {
    "percentage": (*_COMMON_KEYS, "comparison", "target"),
    "outages": (*_COMMON_KEYS, "max_count", "min_duration_seconds"),
}


def parse_levels(obj: Any, field: str = "levels") -> Levels:
    """Parse ``{"warn": W, "crit": C}`` with ``C <= W``."""
    obj = _expect_object(obj, field)
    _reject_unknown_keys(obj, ("warn", "crit"), field)
    warn = _exact_number(_required(obj, "warn", field), _join(field, "warn"))
    crit = _exact_number(_required(obj, "crit", field), _join(field, "crit"))
    if crit > warn:
        raise SpecError(
            _join(field, "crit"),
            f"crit ({format_decimal(crit)}) must be <= warn ({format_decimal(warn)}): "
            "levels are remaining budget, crit is reached after warn",
        )
    return Levels(warn=warn, crit=crit)


def _count(value: Any, field_name: str) -> int:
    if is_number(value) and value == int(value):
        if value < 0:
            raise SpecError(field_name, f"must be >= 0, got {value}")
        return int(value)
    raise SpecError(field_name, f"must be a whole number, not {value!r}")


def parse_requirement(obj: Any, field: str = "requirement") -> Requirement:
    """Parse one requirement of kind ``percentage`` or ``outages``."""
    obj = _expect_object(obj, field)
    kind = _choice(_required(obj, "kind", field), KINDS, _join(field, "kind"))
    _reject_unknown_keys(obj, _KIND_KEYS[kind], field)
    title = _required(obj, "title", field)
    if not isinstance(title, str) or not title.strip():
        raise SpecError(_join(field, "title"), "must be a non-empty string")
    state = _state(_required(obj, "state", field), _join(field, "state"))
    levels = parse_levels(obj["levels"], _join(field, "levels")) if "levels" in obj else None
    time_period = None
    if obj.get("time_period") is not None:
        time_period = parse_time_period(obj["time_period"], _join(field, "time_period"))
    if kind == "percentage":
        comparison = _choice(
            _required(obj, "comparison", field), COMPARISONS, _join(field, "comparison")
        )
        target = _exact_number(_required(obj, "target", field), _join(field, "target"), 0, 100)
        return Requirement(
            title=title,
            kind=kind,
            state=state,
            comparison=comparison,
            target=target,
            levels=levels,
            time_period=time_period,
        )
    max_count = _count(_required(obj, "max_count", field), _join(field, "max_count"))
    min_duration = _exact_number(
        _required(obj, "min_duration_seconds", field), _join(field, "min_duration_seconds"), 0
    )
    return Requirement(
        title=title,
        kind=kind,
        state=state,
        max_count=max_count,
        min_duration_seconds=min_duration,
        levels=levels,
        time_period=time_period,
    )


def json_number(value: Fraction) -> int | float:
    """An exact number for JSON output: an int when whole, else the nearest float (which
    reads back as the same decimal for every value written with up to 15 digits)."""
    if value.denominator == 1:
        return int(value)
    return float(value)


def format_decimal(value: Fraction | Decimal | float | int) -> str:
    """A target or level as written: ``99.5``, ``50``, ``99.95`` (never ``99.50000`` nor
    ``99.500000000001``); a rational that is no finite decimal shows 10 decimals."""
    exact = exact_decimal(value)
    for decimals in range(0, 25):
        scaled = exact * 10**decimals
        if scaled.denominator == 1:
            text = str(abs(scaled.numerator)).rjust(decimals + 1, "0")
            sign = "-" if exact < 0 else ""
            return sign + (f"{text[:-decimals]}.{text[-decimals:]}" if decimals else text)
    return f"{float(exact):.10f}"


def requirement_to_json(requirement: Requirement) -> dict:
    result: dict[str, Any] = {
        "title": requirement.title,
        "kind": requirement.kind,
        "state": requirement.state,
    }
    if requirement.kind == "percentage":
        result["comparison"] = requirement.comparison
        result["target"] = json_number(requirement.target)
    else:
        result["max_count"] = requirement.max_count
        result["min_duration_seconds"] = json_number(requirement.min_duration_seconds)
    if requirement.levels is not None:
        result["levels"] = {
            "warn": json_number(requirement.levels.warn),
            "crit": json_number(requirement.levels.crit),
        }
    if requirement.time_period is not None:
        result["time_period"] = time_period_to_json(requirement.time_period)
    return result


# --------------------------------------------------------------------------- SLA


_SLA_KEYS = ("period", "timezone", "time_period", "options", "requirements")


def parse_sla(obj: Any, field: str = "sla") -> SLASpec:
    """Parse and validate a whole SLA definition."""
    obj = _expect_object(obj, field)
    _reject_unknown_keys(obj, _SLA_KEYS, field)
    period = _choice(_required(obj, "period", field), PERIODS, _join(field, "period"))
    timezone = validate_timezone(obj.get("timezone", "UTC"), _join(field, "timezone"))
    time_period = None
    if obj.get("time_period") is not None:
        time_period = parse_time_period(obj["time_period"], _join(field, "time_period"))
    options = parse_options(obj.get("options"), _join(field, "options"))
    requirements_field = _join(field, "requirements")
    raw_requirements = _required(obj, "requirements", field)
    if not isinstance(raw_requirements, list):
        raise SpecError(requirements_field, f"must be a list, not {_json_type(raw_requirements)}")
    if not raw_requirements:
        raise SpecError(requirements_field, "needs at least one requirement")
    requirements = tuple(
        parse_requirement(item, f"{requirements_field}[{index}]")
        for index, item in enumerate(raw_requirements)
    )
    return SLASpec(
        period=period,
        timezone=timezone,
        time_period=time_period,
        options=options,
        requirements=requirements,
    )


def sla_to_json(spec: SLASpec) -> dict:
    """The JSON shape of an SLA; ``parse_sla`` reads it back to an equal spec."""
    result: dict[str, Any] = {"period": spec.period, "timezone": spec.timezone}
    if spec.time_period is not None:
        result["time_period"] = time_period_to_json(spec.time_period)
    result["options"] = options_to_json(spec.options)
    result["requirements"] = [requirement_to_json(item) for item in spec.requirements]
    return result
