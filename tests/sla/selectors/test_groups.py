"""A group's SLA is evaluated by the engine on the group's derived timeline."""

import datetime as dt

import pytest
import time_machine

from sla.engine import evaluate, parse_sla
from sla.models import Service
from sla.selectors.groups import group_engine_inputs, group_events
from sla.services.ingest import events_ingest
from tests.factories import DowntimeFactory, ServiceGroupFactory
from tests.sla.helpers import T0, at, item

pytestmark = pytest.mark.django_db
DAY_END = T0 + dt.timedelta(days=1)


@pytest.fixture
def group(tenants):
    account = tenants.a
    group = ServiceGroupFactory(account=account, name="pay", aggregation="worst")
    with time_machine.travel(DAY_END + dt.timedelta(hours=1), tick=False):
        events_ingest(
            account=account,
            items=[
                item("pay/api", -60, "OK"),
                item("pay/db", 30, "OK"),
                item("pay/api", 120, "CRIT"),
                item("pay/api", 180, "OK"),
                item("other", 0, "CRIT"),  # not a member
            ],
        )
    Service.objects.filter(account=account, path__startswith="pay/").update(group=group)
    return group


def test_group_events_follow_the_worst_member(tenants, group):
    events = group_events(account=tenants.a, group=group, start=T0, end=DAY_END)
    assert [(event.at, event.state) for event in events] == [
        (T0, "OK"),
        (at(120), "CRIT"),
        (at(180), "OK"),
    ]


def test_group_sla_evaluates_on_the_derived_timeline(tenants, group):
    DowntimeFactory(account=tenants.a, group=group, start=at(600), end=at(660))
    sla = parse_sla(
        {
            "period": "daily",
            "requirements": [
                {
                    "title": "99%",
                    "kind": "percentage",
                    "state": "OK",
                    "comparison": "min",
                    "target": 99,
                }
            ],
        },
        "sla",
    )
    events, downtimes = group_engine_inputs(account=tenants.a, group=group, start=T0, end=DAY_END)
    assert [(d.start, d.end) for d in downtimes] == [(at(600), at(660))]
    (period,) = evaluate(sla, events, downtimes, T0, DAY_END, DAY_END + dt.timedelta(hours=1))
    requirement = period.requirements[0]
    assert requirement.seconds["CRIT"] == 3600 and requirement.broken
