"""Every change that marks stored period results stale also moves `RollupMark.results_from`
back (and bumps `seq`), so a row a writer inserts meanwhile is not trusted; the results
refresh applies and clears it (sla.services.results_marks)."""

import datetime as dt

import pytest
import time_machine

from sla import tasks
from sla.models import RollupMark, Service
from sla.services.ingest import events_ingest
from sla.services.results import Subject, period_results_refresh_account
from sla.services.results_marks import ALL_HISTORY, subject_marks
from tests.factories import (
    AccountFactory,
    DowntimeFactory,
    ServiceGroupFactory,
    TimePeriodFactory,
)
from tests.sla.helpers import T0, at, item

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_eager_refresh(monkeypatch):
    monkeypatch.setattr(tasks, "incidents_refresh_soon", lambda **kwargs: None)


def ingest(account, items):
    with time_machine.travel(NOW, tick=False):
        result = events_ingest(account=account, items=list(items))
    assert result.rejected == 0, result.as_dict()


def mark_of(**subject) -> RollupMark:
    return RollupMark.objects.get(**subject)


def settled(account):
    """The account after a results refresh: no instant pending."""
    period_results_refresh_account(account=account, now=NOW)
    assert not RollupMark.objects.filter(account=account, results_from__isnull=False).exists()
    return Service.objects.get(account=account, path="shop/web")


def test_ingest_moves_results_from_back_to_the_earliest_new_event():
    account = AccountFactory()
    ingest(account, [item("shop/web", 300, "OK"), item("shop/web", 120, "CRIT")])
    assert mark_of(service__path="shop/web", account=account).results_from == at(120)
    ingest(account, [item("shop/web", 600, "OK")])  # never forward
    assert mark_of(service__path="shop/web", account=account).results_from == at(120)
    settled(account)


def test_downtimes_service_time_and_membership_move_it_too():
    account = AccountFactory()
    ingest(account, [item("shop/web", 0, "OK")])
    web = settled(account)
    seq = mark_of(service=web).seq

    DowntimeFactory(account=account, service=web, start=at(240))
    assert mark_of(service=web).results_from == at(240)
    assert mark_of(service=web).seq > seq
    web = settled(account)

    web.service_period = TimePeriodFactory(account=account)
    web.save()
    assert mark_of(service=web).results_from == ALL_HISTORY
    web = settled(account)

    group = ServiceGroupFactory(account=account, name="shop")
    web.group = group
    web.save()
    assert mark_of(group=group).results_from == ALL_HISTORY
    assert subject_marks(account, Subject(group=group)).results_from == ALL_HISTORY
    settled(account)
