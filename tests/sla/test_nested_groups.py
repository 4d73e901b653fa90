"""Nested SLA groups (BI trees): members are services and groups, each group aggregates its
direct members; cycles and depth over 5 are refused; every level derives its timeline,
incidents, snapshots and SLA results, also after a member's late event."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sla.models import Incident, PeriodResult, Service, ServiceGroup, UptimeSnapshot
from sla.selectors.groups import group_events
from sla.selectors.results import sla_results_for_range
from sla.services.ingest import events_ingest
from sla.services.results import Subject
from sla.services.rollups import account_rollup
from tests.factories import AccountFactory
from tests.sla.helpers import T0, at, item
from tests.sla.sla_rows import sla_from_json

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(hours=1, minutes=2)


def _tree(account):
    """top (worst) <- mid (k_of_n, k=2: OK while 2 members are OK) <- leaf (best);
    leaf has a1, a2; mid has b and leaf; top has c and mid."""
    top = ServiceGroup.objects.create(account=account, name="top")
    mid = ServiceGroup.objects.create(
        account=account, name="mid", aggregation="k_of_n", k=2, parent=top
    )
    leaf = ServiceGroup.objects.create(account=account, name="leaf", aggregation="best", parent=mid)
    for path, group in (("a1", leaf), ("a2", leaf), ("b", mid), ("c", top)):
        Service.objects.create(account=account, path=path, group=group)
    return top, mid, leaf


def _ingest(account, *items, now=NOW):
    with time_machine.travel(now, tick=False):
        return events_ingest(account=account, items=list(items))


def _rollup(account, now=NOW):
    with time_machine.travel(now, tick=False):
        return account_rollup(account=account)


def _incidents(account, name):
    rows = Incident.objects.filter(account=account, group__name=name).order_by("started_at")
    return [(row.started_at, row.ended_at) for row in rows]


def test_three_levels_open_and_close_incidents_from_member_events_also_late_ones():
    account = AccountFactory()
    top, _, _ = _tree(account)
    _ingest(account, *(item(path, 0, "OK") for path in ("a1", "a2", "b", "c")))
    # a1 and a2 both CRIT 10-20: leaf (best) CRIT, so mid has 1 OK member of 2: CRIT, top CRIT
    _ingest(account, item("a1", 10, "CRIT"), item("a2", 10, "CRIT"), item("a2", 20, "OK"))
    _ingest(account, item("a1", 20, "OK"))
    _rollup(account)
    for name in ("leaf", "mid", "top"):
        assert _incidents(account, name) == [(at(10), at(20))], name
    # a late event: b was CRIT 40-45 (mid: only leaf OK -> CRIT; top CRIT; leaf unaffected)
    _ingest(account, item("b", 40, "CRIT"), item("b", 45, "OK"), now=NOW)
    _rollup(account)
    assert _incidents(account, "leaf") == [(at(10), at(20))]
    for name in ("mid", "top"):
        assert _incidents(account, name) == [(at(10), at(20)), (at(40), at(45))], name
    snapshot = UptimeSnapshot.objects.get(account=account, group=top, bucket_start=at(40))
    assert snapshot.seconds_crit == 300
    events = group_events(account=account, group=top, start=at(0), end=at(60))
    assert [(event.at, event.state) for event in events] == [
        (at(0), "OK"), (at(10), "CRIT"), (at(20), "OK"), (at(40), "CRIT"), (at(45), "OK"),
    ]  # fmt: skip


def test_sla_results_of_every_level_and_late_events_mark_every_ancestor_stale():
    account = AccountFactory()
    top, mid, leaf = _tree(account)
    sla = sla_from_json(
        account,
        {"period": "daily", "requirements": [
            {"title": "OK", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99}
        ]},
    )  # fmt: skip
    _ingest(account, *(item(path, 0, "OK") for path in ("a1", "a2", "b", "c")))
    day = (T0.replace(hour=0), T0.replace(hour=0) + dt.timedelta(days=1))
    later = day[1] + dt.timedelta(hours=1)

    def states():
        return {
            group.name: sla_results_for_range(
                account=account, sla=sla, subject=Subject(group=group),
                range_from=day[0], range_to=day[1], now=later,
            )[0].state
            for group in (leaf, mid, top)
        }  # fmt: skip

    assert states() == {"leaf": "OK", "mid": "OK", "top": "OK"}
    # late: both leaf members CRIT for 30 minutes (> 1% of the day) on that day
    _ingest(
        account,
        item("a1", 10, "CRIT"), item("a2", 10, "CRIT"), item("a1", 40, "OK"), item("a2", 40, "OK"),
        now=later,
    )  # fmt: skip
    assert PeriodResult.objects.filter(group__isnull=False, stale=True).count() == 3
    assert states() == {"leaf": "BROKEN", "mid": "BROKEN", "top": "BROKEN"}


def test_cycles_and_depth_over_five_are_refused():
    account = AccountFactory()
    top, _, leaf = _tree(account)
    top.parent = leaf
    with pytest.raises(ValidationError) as error:
        top.full_clean()
    assert "cycle" in str(error.value.message_dict["parent"])
    chain = [leaf]
    for index in range(2):
        group = ServiceGroup(account=account, name=f"deep{index}", parent=chain[-1])
        group.full_clean()
        group.save()
        chain.append(group)  # top > mid > leaf > deep0 > deep1: five levels
    sixth = ServiceGroup(account=account, name="deep2", parent=chain[-1])
    with pytest.raises(ValidationError) as error:
        sixth.full_clean()
    assert "6 levels deep; at most 5" in str(error.value.message_dict["parent"])


def test_api_refuses_a_cycle_naming_the_field(api_a, tenants):
    top, _, leaf = _tree(tenants.a)
    response = api_a.patch(f"/api/v1/groups/{top.pk}", data={"parent": leaf.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["fields"]
    assert ServiceGroup.objects.get(pk=top.pk).parent_id is None
    other = ServiceGroup.objects.create(account=tenants.b, name="other")
    response = api_a.patch(f"/api/v1/groups/{leaf.pk}", data={"parent": other.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["fields"]


def test_import_yaml_names_a_parent_group_all_or_nothing():
    from sla.services.imports import services_import

    account = AccountFactory()
    documents = [
        {"path": "a1", "slaGroup": "leaf", "slaGroupParent": "mid"},
        {"path": "b", "slaGroup": "mid", "slaGroupParent": "top"},
        {"path": "c", "slaGroup": "top"},
    ]
    result = services_import(account=account, documents=documents)
    assert result.errors == [] and sorted(result.groups_created) == ["leaf", "mid", "top"]
    parents = dict(ServiceGroup.objects.filter(account=account).values_list("name", "parent__name"))
    assert parents == {"leaf": "mid", "mid": "top", "top": None}
    cycle = [{"path": "c", "slaGroup": "top", "slaGroupParent": "leaf"}, {"path": "new"}]
    result = services_import(account=account, documents=cycle)
    assert result.errors[0]["index"] == 0 and result.errors[0]["field"] == "slaGroupParent"
    assert "cycle" in result.errors[0]["error"]
    assert ServiceGroup.objects.get(account=account, name="top").parent_id is None
    assert not Service.objects.filter(account=account, path="new").exists()
