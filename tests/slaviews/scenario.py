"""A gold / silver / bronze scenario for SLA views (tests, browser test, benchmark)."""

import datetime as dt
from dataclasses import dataclass, field

from sla.models import AssignmentRule, Service, ServiceGroup, StatusEvent
from tests.sla.sla_rows import sla_from_json

NOW = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)
HISTORY_START = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def daily(target) -> dict:
    return {
        "period": "daily",
        "requirements": [
            {
                "title": f"OK >= {target}",
                "kind": "percentage",
                "state": "OK",
                "comparison": "min",
                "target": target,
            }
        ],
    }


@dataclass
class ViewScenario:
    gold: object
    silver: object
    bronze: object
    group: ServiceGroup
    services: dict = field(default_factory=dict)


# Per service: the bad spans (start, end, state) on top of OK since HISTORY_START.
OUTAGES = {
    "shop/web": [],
    "shop/db": [(dt.datetime(2024, 3, 8, 10, tzinfo=dt.UTC), dt.timedelta(hours=1), "CRIT")],
    "pay/api": [(dt.datetime(2024, 3, 9, 10, tzinfo=dt.UTC), dt.timedelta(minutes=10), "CRIT")],
}


def build_view_scenario(account) -> ViewScenario:
    """shop/db breaks gold and silver on 2024-03-08 (1 h CRIT: 95.83%), pay/api breaks gold
    on 2024-03-09 (10 min: 99.31%), shop/web is always OK, pay/worker has no data. A rule
    gives pay/* silver (the service-specific SLA); shop/* are in the group "shop"."""
    scenario = ViewScenario(
        gold=sla_from_json(account, daily(99.9), "Gold"),
        silver=sla_from_json(account, daily(99), "Silver"),
        bronze=sla_from_json(account, daily(95), "Bronze"),
        group=ServiceGroup.objects.create(account=account, name="shop"),
    )
    AssignmentRule.objects.create(
        account=account, sla=scenario.silver, path_glob="pay/*", position=0
    )
    for path in ("shop/web", "shop/db", "pay/api", "pay/worker"):
        group = scenario.group if path.startswith("shop/") else None
        scenario.services[path] = Service.objects.create(
            account=account, path=path, group=group, labels={"tier": path.split("/")[0]}
        )
    events = []
    for path, outages in OUTAGES.items():
        service = scenario.services[path]
        events.append((service, HISTORY_START, "OK"))
        for start, length, state in outages:
            events += [(service, start, state), (service, start + length, "OK")]
    StatusEvent.objects.bulk_create(
        StatusEvent(account=account, service=service, at=at, state=state, dedup_key=f"v:{index}")
        for index, (service, at, state) in enumerate(events)
    )
    return scenario
