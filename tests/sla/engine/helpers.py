"""Small builders for hand-made engine timelines (no database, no Django)."""

from __future__ import annotations

from datetime import UTC, datetime

from sla.engine import Event, Interval, evaluate, parse_sla, period_timeline

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """``"2024-03-04T10:00"`` (UTC unless an offset is given) -> aware datetime."""
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def events(*pairs: tuple[str, str]) -> list[Event]:
    return [Event(at(when), state) for when, state in pairs]


def downtimes(*pairs: tuple[str, str]) -> list[Interval]:
    return [Interval(at(start), at(end)) for start, end in pairs]


def percentage(state="OK", target=99.0, comparison="min", levels=None, **extra) -> dict:
    requirement = {
        "title": extra.pop("title", f"{state} {comparison} {target}"),
        "kind": "percentage",
        "state": state,
        "comparison": comparison,
        "target": target,
    }
    if levels is not None:
        requirement["levels"] = {"warn": levels[0], "crit": levels[1]}
    requirement.update(extra)
    return requirement


def outages(state="CRIT", max_count=0, min_duration=0, levels=None, **extra) -> dict:
    requirement = {
        "title": extra.pop("title", f"{state} outages"),
        "kind": "outages",
        "state": state,
        "max_count": max_count,
        "min_duration_seconds": min_duration,
    }
    if levels is not None:
        requirement["levels"] = {"warn": levels[0], "crit": levels[1]}
    requirement.update(extra)
    return requirement


def make_sla(period="daily", timezone="UTC", time_period=None, requirements=None, **options):
    obj = {
        "period": period,
        "timezone": timezone,
        "requirements": requirements or [percentage()],
    }
    if time_period is not None:
        obj["time_period"] = time_period
    if options:
        obj["options"] = options
    return parse_sla(obj)


def run(sla, event_list, downtime_list=(), start="2024-03-04", end="2024-03-05", now=None):
    return evaluate(
        sla, event_list, list(downtime_list), at(start), at(end), at(now) if now else FAR_FUTURE
    )


def one(sla, event_list, downtime_list=(), start="2024-03-04", end="2024-03-05", now=None):
    """The first requirement result of the single period of a run."""
    (period,) = run(sla, event_list, downtime_list, start, end, now)
    return period.requirements[0]


def spans(sla, event_list, downtime_list=(), start="2024-03-04", end="2024-03-05", index=0):
    """``[(start HH:MM[:SS], end, class)]`` of a requirement after steps 1-5."""
    result = period_timeline(
        sla, index, event_list, list(downtime_list), at(start), at(end), FAR_FUTURE
    )
    return [(_short(span.start), _short(span.end), span.klass) for span in result]


def _short(instant: datetime) -> str:
    text = instant.astimezone(UTC).strftime("%H:%M:%S")
    return text[:-3] if text.endswith(":00") else text


HOUR = 3600.0
DAY = 86400.0
