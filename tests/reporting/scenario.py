"""A realistic account for report and dashboard tests: groups, services with a status
history, a known outage on the report day, daily uptime rows, incidents, downtimes, two
SLAs with rules, an SLO with its buckets.

The report day is 2026-11-20 in Europe/Berlin ([2026-11-19 23:00, 2026-11-20 23:00) UTC);
`NOW` is the next morning. The known outage: payment/api CRIT from 09:00 to 09:45 UTC
(10:00-10:45 in Berlin), 2,700 s.
"""

import datetime as dt
from dataclasses import dataclass, field

from sla.models import Downtime, StatusEvent
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    AssignmentRuleFactory,
    DailyUptimeFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLOFactory,
)
from tests.sla.sla_rows import sla_from_json

UTC = dt.UTC
DAY = dt.date(2026, 11, 20)
DAY_START = dt.datetime(2026, 11, 19, 23, tzinfo=UTC)
DAY_END = dt.datetime(2026, 11, 20, 23, tzinfo=UTC)
NOW = dt.datetime(2026, 11, 21, 7, 30, tzinfo=UTC)
OUTAGE_START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OUTAGE_END = dt.datetime(2026, 11, 20, 9, 45, tzinfo=UTC)
OUTAGE_SECONDS = 2700
HISTORY_START = dt.datetime(2026, 9, 1, tzinfo=UTC)

GROUPS = [
    ("payment-system", "Paiement & Zürich <Kasse>"),
    ("storefront", "Storefront"),
]
SERVICES = [
    ("payment/api", "Zahlungs-API Ærøskøbing", "payment-system"),
    ("payment/db", "", "payment-system"),
    ("shop/web", "Shop <b>web</b>", "storefront"),
    ("shop/search", "", "storefront"),
    ("tools/wiki", "Ŵiki", None),
]
GOLD = {
    "period": "monthly",
    "timezone": "Europe/Berlin",
    "requirements": [
        {
            "title": "Availability >= 99.9%",
            "kind": "percentage",
            "state": "OK",
            "comparison": "min",
            "target": 99.9,
            "levels": {"warn": 50, "crit": 10},
        },
        {
            "title": "Outages",
            "kind": "outages",
            "state": "CRIT",
            "max_count": 2,
            "min_duration_seconds": 300,
        },
    ],
}
INTERNAL = {
    "period": "daily",
    "timezone": "Europe/Berlin",
    "requirements": [
        {
            "title": "Availability >= 99%",
            "kind": "percentage",
            "state": "OK",
            "comparison": "min",
            "target": 99.0,
        }
    ],
}


@dataclass
class Scenario:
    account: object
    groups: dict = field(default_factory=dict)
    services: dict = field(default_factory=dict)
    gold: object = None
    internal: object = None
    slo: object = None


def _event(account, service, at, state, key):
    return StatusEvent(
        account=account, service=service, at=at, state=state, dedup_key=f"scenario:{key}"
    )


def _daily_rows(account, scenario: Scenario, days: int) -> None:
    for offset in range(days):
        day = DAY - dt.timedelta(days=offset)
        for path, service in scenario.services.items():
            crit = OUTAGE_SECONDS if (path == "payment/api" and day == DAY) else 0
            warn = 600 if (path == "shop/search" and offset == 3) else 0
            DailyUptimeFactory(
                account=account,
                service=service,
                day=day,
                seconds_ok=86400 - crit - warn,
                seconds_crit=crit,
                seconds_warn=warn,
                seconds_downtime=3600 if (path == "shop/web" and day == DAY) else 0,
            )
        for name, group in scenario.groups.items():
            crit = OUTAGE_SECONDS if (name == "payment-system" and day == DAY) else 0
            DailyUptimeFactory(
                account=account,
                service=None,
                group=group,
                day=day,
                seconds_ok=86400 - crit - (300 if offset == 5 else 0),
                seconds_crit=crit,
                seconds_unknown=300 if offset == 5 else 0,
            )


def build_scenario(account, *, uptime_days: int = 35, with_slo: bool = True) -> Scenario:
    """Fill `account` (its time zone set to Europe/Berlin) with the scenario's rows."""
    account.timezone = "Europe/Berlin"
    account.save(update_fields=["timezone"])
    scenario = Scenario(account=account)
    for name, title in GROUPS:
        scenario.groups[name] = ServiceGroupFactory(account=account, name=name, title=title)
    events = []
    for path, name, group in SERVICES:
        service = ServiceFactory(
            account=account,
            path=path,
            name=name,
            group=scenario.groups.get(group),
            current_state="OK",
            current_state_since=OUTAGE_END,
        )
        scenario.services[path] = service
        events.append(_event(account, service, HISTORY_START, "OK", f"{path}:start"))
    api = scenario.services["payment/api"]
    events += [
        _event(account, api, OUTAGE_START, "CRIT", "outage"),
        _event(account, api, OUTAGE_END, "OK", "recovered"),
    ]
    search = scenario.services["shop/search"]
    events.append(_event(account, search, NOW - dt.timedelta(hours=2), "WARN", "slow"))
    search.current_state, search.current_state_since = "WARN", NOW - dt.timedelta(hours=2)
    search.save()
    StatusEvent.objects.bulk_create(events)
    scenario.gold = sla_from_json(account, GOLD, title="Gold 99.9% monthly")
    scenario.internal = sla_from_json(account, INTERNAL, title="Internal 99% daily")
    AssignmentRuleFactory(account=account, sla=scenario.gold, position=0, path_glob="payment/*")
    AssignmentRuleFactory(account=account, sla=scenario.internal, position=10, path_glob="*")
    IncidentFactory(
        account=account,
        service=api,
        started_at=OUTAGE_START,
        ended_at=OUTAGE_END,
        worst_state="CRIT",
        state="OK",
    )
    IncidentFactory(
        account=account,
        service=search,
        started_at=NOW - dt.timedelta(hours=2),
        ended_at=None,
        worst_state="WARN",
        state="WARN",
    )
    Downtime.objects.create(
        account=account,
        service=scenario.services["shop/web"],
        reason="Database upgrade <v15>",
        start=dt.datetime(2026, 11, 20, 2, tzinfo=UTC),
        end=dt.datetime(2026, 11, 20, 3, tzinfo=UTC),
    )
    _daily_rows(account, scenario, uptime_days)
    if with_slo:
        scenario.slo = SLOFactory(
            account=account,
            name="Payment API availability",
            service=api,
            sli_kind="time",
            target="99.9",
            window_days=30,
        )
        slo_buckets_refresh(account=account, now=NOW)
    return scenario
