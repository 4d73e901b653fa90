"""Stored rows for tests: from the engine's JSON shapes (SLAs, events and downtimes of the
acceptance cases through the database), and complete daily SLA results."""

import datetime as dt

from sla.engine import parse_instant, parse_sla
from sla.models import (
    Downtime,
    PeriodResult,
    Requirement,
    Service,
    SLADefinition,
    StatusEvent,
    TimePeriod,
)


def instant(text: str) -> dt.datetime:
    return parse_instant(text, "instant")


def sla_from_json(account, sla_json: dict, title: str = "SLA") -> SLADefinition:
    parse_sla(sla_json)  # the case must be valid before we store it
    time_period = None
    if sla_json.get("time_period"):
        time_period = TimePeriod.objects.create(
            account=account, name=f"{title} hours", definition=sla_json["time_period"]
        )
    sla = SLADefinition.objects.create(
        account=account,
        title=title,
        period=sla_json["period"],
        timezone=sla_json.get("timezone", "UTC"),
        time_period=time_period,
        options=sla_json.get("options", {}),
    )
    for position, item in enumerate(sla_json["requirements"]):
        levels = item.get("levels") or {}
        Requirement.objects.create(
            account=account,
            sla=sla,
            position=position,
            title=item["title"],
            kind=item["kind"],
            state=item["state"],
            comparison=item.get("comparison", ""),
            target=item.get("target"),
            max_count=item.get("max_count"),
            min_duration_seconds=item.get("min_duration_seconds"),
            level_warn=levels.get("warn"),
            level_crit=levels.get("crit"),
        )
    sla.refresh_from_db()
    return sla


def store_events(account, service: Service, events: list[dict]) -> None:
    StatusEvent.objects.bulk_create(
        StatusEvent(
            account=account,
            service=service,
            at=instant(event["at"]),
            state=event["state"],
            flapping=event.get("flapping"),
            dedup_key=f"test:{service.pk}:{index}",
        )
        for index, event in enumerate(events)
    )


def store_service_periods(account, service: Service, case: dict) -> None:
    """The case's service and notification periods as time periods of the service."""
    for name in ("service_period", "notification_period"):
        if case.get(name) is not None:
            period = TimePeriod.objects.create(
                account=account, name=f"{service.path} {name}", definition=case[name]
            )
            setattr(service, name, period)
    service.save()


def store_downtimes(account, service: Service, downtimes: list[dict]) -> None:
    for downtime in downtimes:
        Downtime.objects.create(
            account=account,
            service=service,
            start=instant(downtime["start"]),
            end=instant(downtime["end"]),
        )


def daily_results(account, sla, *, first_day: dt.datetime, days: int, **subject):
    """Unsaved complete, fresh (not stale) OK results of `days` days from `first_day`, for
    `service=` or `group=`; `complete=False` and other fields may be given too."""
    fields = {"complete": True, "state": "OK", "result": {}, "sla_revision": sla.revision}
    fields.update(subject)
    return [
        PeriodResult(
            account=account,
            sla=sla,
            period_start=first_day + dt.timedelta(days=day),
            period_end=first_day + dt.timedelta(days=day + 1),
            **fields,
        )
        for day in range(days)
    ]
