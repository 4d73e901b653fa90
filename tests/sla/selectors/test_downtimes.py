"""The downtime index in epoch microseconds says exactly what the datetime index says."""

import datetime as dt

import pytest

from sla.engine.instants import to_micros
from sla.models import Recurrence
from sla.selectors.downtimes import downtime_index, downtime_index_micros
from tests.factories import DowntimeFactory, ServiceFactory, ServiceGroupFactory

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def _micros(intervals):
    return [(to_micros(interval.start), to_micros(interval.end)) for interval in intervals]


@pytest.mark.django_db
def test_micros_index_matches_the_datetime_index(tenants):
    account = tenants.a
    group = ServiceGroupFactory(account=account)
    member = ServiceFactory(account=account, group=group)
    alone = ServiceFactory(account=account)
    hour = dt.timedelta(hours=1)
    DowntimeFactory(account=account, service=member, start=START + hour, end=START + 2 * hour)
    DowntimeFactory(
        account=account,
        service=alone,
        start=START - hour,
        end=START + dt.timedelta(microseconds=1_500_001),
    )
    DowntimeFactory(account=account, service=alone, start=END, end=END + hour)  # outside
    DowntimeFactory(account=account, group=group, start=START + 5 * hour, end=START + 6 * hour)
    DowntimeFactory(account=account, start=START + 9 * hour, end=START + 10 * hour)  # all
    DowntimeFactory(
        account=account,
        group=group,
        start=START - dt.timedelta(days=30),
        end=None,
        recurrence=Recurrence.WEEKLY,
        weekdays=[0, 3],
        time_from=dt.time(2, 0),
        duration_minutes=45,
        timezone="Europe/Berlin",
    )
    DowntimeFactory(account=tenants.b, start=START, end=END)  # another account's
    plain = downtime_index(account=account, start=START, end=END)
    micros = downtime_index_micros(account=account, start=START, end=END)
    for service in (member, alone):
        expected = _micros(plain.for_service(service.pk, service.group_id))
        assert micros.for_service(service.pk, service.group_id) == expected
    assert micros.for_group(group.pk) == _micros(plain.for_group(group.pk))
    assert len(micros.for_service(member.pk, group.pk)) > 3  # own, group, weekly, all
