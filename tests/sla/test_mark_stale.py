"""Stale marking after ingest: each service's rows from its own instant, each group's from
its earliest member change, in a few statements however many services changed (more than
one chunk of the portable path, one array statement on PostgreSQL)."""

import datetime as dt

import pytest

from sla.models import PeriodResult, Service
from sla.services.results import STALE_UPDATE_CHUNK, period_results_mark_stale
from tests.factories import (
    AccountFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
)
from tests.sla.sla_rows import daily_results

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
FIRST_DAY = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
DAYS = 4
SERVICES = STALE_UPDATE_CHUNK + 137  # more than one chunk


def _daily_rows(account, sla, **subject):
    return daily_results(account, sla, first_day=FIRST_DAY, days=DAYS, **subject)


@pytest.fixture
def many_services():
    account = AccountFactory()
    group = ServiceGroupFactory(account=account)
    other_group = ServiceGroupFactory(account=account)
    services = Service.objects.bulk_create(
        Service(account=account, name=f"svc {number}", path=f"bulk/svc-{number:04d}", group=group)
        for number in range(SERVICES)
    )
    sla = SLADefinitionFactory(account=account)
    rows = []
    for service in services:
        rows += _daily_rows(account, sla, service=service)
    rows += _daily_rows(account, sla, group=group)
    rows += _daily_rows(account, sla, group=other_group)
    PeriodResult.objects.bulk_create(rows)
    return account, sla, group, other_group, services


def _stale_pairs(**subject):
    rows = PeriodResult.objects.filter(stale=True, **subject)
    return set(rows.values_list("service_id", "period_end"))


def test_each_service_is_marked_from_its_own_instant(many_services):
    account, _, _, _, services = many_services
    # Service n changed in the middle of day n % DAYS: that day and the later ones are stale.
    changes = {
        service.pk: FIRST_DAY + (number % DAYS) * DAY + dt.timedelta(hours=12)
        for number, service in enumerate(services)
    }
    period_results_mark_stale(account=account, changes=changes)
    expected = {
        (service.pk, FIRST_DAY + (day + 1) * DAY)
        for number, service in enumerate(services)
        for day in range(number % DAYS, DAYS)
    }
    assert _stale_pairs(group__isnull=True) == expected


def test_a_change_at_a_period_end_leaves_that_period_alone(many_services):
    account, _, _, _, services = many_services
    changes = {service.pk: FIRST_DAY + 2 * DAY for service in services}  # start of day 3
    period_results_mark_stale(account=account, changes=changes)
    ends = {end for _, end in _stale_pairs(group__isnull=True)}
    assert ends == {FIRST_DAY + 3 * DAY, FIRST_DAY + 4 * DAY}


def test_group_rows_are_marked_from_the_earliest_member_change(many_services):
    account, _, group, other_group, services = many_services
    changes = {service.pk: FIRST_DAY + 3 * DAY for service in services}
    changes[services[7].pk] = FIRST_DAY + DAY + dt.timedelta(minutes=1)
    period_results_mark_stale(account=account, changes=changes)
    group_ends = set(
        PeriodResult.objects.filter(group=group, stale=True).values_list("period_end", flat=True)
    )
    assert group_ends == {FIRST_DAY + 2 * DAY, FIRST_DAY + 3 * DAY, FIRST_DAY + 4 * DAY}
    assert not PeriodResult.objects.filter(group=other_group, stale=True).exists()


def test_the_count_is_of_rows_newly_marked(many_services):
    account, _, _, _, services = many_services
    changes = {service.pk: FIRST_DAY + 3 * DAY for service in services}
    first = period_results_mark_stale(account=account, changes=changes)
    assert first == SERVICES + 1  # the last day of every service and of the group
    assert period_results_mark_stale(account=account, changes=changes) == 0


def test_incomplete_rows_and_other_accounts_are_not_touched(many_services):
    account, _, _, _, services = many_services
    PeriodResult.objects.filter(period_end=FIRST_DAY + DAYS * DAY).update(complete=False)
    other = AccountFactory()
    stranger = ServiceFactory(account=other)
    other_sla = SLADefinitionFactory(account=other)
    PeriodResult.objects.bulk_create(_daily_rows(other, other_sla, service=stranger))
    changes = {service.pk: FIRST_DAY for service in services[:3]}
    changes[stranger.pk] = FIRST_DAY  # a foreign id slipped in: still not this account's
    period_results_mark_stale(account=account, changes=changes)
    assert not PeriodResult.objects.filter(account=other, stale=True).exists()
    assert not PeriodResult.objects.filter(complete=False, stale=True).exists()
    assert len(_stale_pairs(group__isnull=True)) == 3 * (DAYS - 1)


def test_each_group_is_marked_from_its_own_earliest_member_change(many_services):
    account, _, group, other_group, services = many_services
    Service.objects.filter(pk=services[0].pk).update(group=other_group)
    changes = {
        services[0].pk: FIRST_DAY + 3 * DAY + dt.timedelta(hours=1),  # other_group: last day
        services[1].pk: FIRST_DAY + DAY + dt.timedelta(minutes=1),  # group: from day 2
    }
    period_results_mark_stale(account=account, changes=changes)
    group_ends = set(
        PeriodResult.objects.filter(group=group, stale=True).values_list("period_end", flat=True)
    )
    other_ends = set(
        PeriodResult.objects.filter(group=other_group, stale=True).values_list(
            "period_end", flat=True
        )
    )
    assert group_ends == {FIRST_DAY + 2 * DAY, FIRST_DAY + 3 * DAY, FIRST_DAY + 4 * DAY}
    assert other_ends == {FIRST_DAY + 4 * DAY}
