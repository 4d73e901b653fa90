"""The demo seeder: services in groups with history, rolled up; idempotent."""

import datetime as dt

import pytest

from accounts.demo import DEMO_SEEDERS
from sla import demo_history
from sla.models import DailyUptime, Incident, Service, ServiceGroup, StatusEvent, UptimeSnapshot
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 3, 10, 12, 3, tzinfo=dt.UTC)


def test_seeder_is_registered():
    assert "sla.demo_history.seed" in DEMO_SEEDERS


def test_seed_builds_history_and_rolls_it_up(settings):
    settings.SLA_DEMO_HISTORY_DAYS = 4
    account = AccountFactory(timezone="Europe/Berlin")
    notes = demo_history.seed(account, NOW)
    assert "12 services in 3 SLA groups" in notes[0]
    assert Service.objects.for_account(account).filter(group__isnull=False).count() == 12
    assert ServiceGroup.objects.for_account(account).get(name="storefront").aggregation == "k_of_n"
    assert Incident.objects.for_account(account).exists()
    snapshots = UptimeSnapshot.objects.for_account(account)
    assert snapshots.filter(group__isnull=False).count() == 3 * 4 * 288
    assert snapshots.filter(seconds_downtime__gt=0).exists()  # weekly DB maintenance
    assert DailyUptime.objects.for_account(account).filter(day=dt.date(2024, 3, 10)).count() == 15
    events = StatusEvent.objects.for_account(account).count()
    again = demo_history.seed(account, NOW + dt.timedelta(minutes=10))
    assert len(again) == 1 and again[0].startswith("Rollup:")
    assert StatusEvent.objects.for_account(account).count() == events
