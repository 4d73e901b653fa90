"""Admin of incidents, events, snapshots, daily rows and marks: tenant-aware, read-only."""

import pytest
from django.contrib.auth import get_user_model

from sla.models import Incident, RollupMark
from tests.factories import (
    DailyUptimeFactory,
    IncidentFactory,
    RollupMarkFactory,
    ServiceFactory,
    StatusEventFactory,
    UptimeSnapshotFactory,
)

pytestmark = pytest.mark.django_db
PAGES = ["incident", "statusevent", "uptimesnapshot", "dailyuptime", "rollupmark"]


@pytest.fixture
def rows(tenants):
    made = {}
    for account in (tenants.a, tenants.b):
        service = ServiceFactory(account=account, path=f"svc-of-{account.slug}")
        made[account.slug] = {
            "incident": IncidentFactory(account=account, service=service),
            "statusevent": StatusEventFactory(account=account, service=service),
            "uptimesnapshot": UptimeSnapshotFactory(account=account, service=service),
            "dailyuptime": DailyUptimeFactory(account=account, service=service),
            "rollupmark": RollupMarkFactory(account=account, service=service),
        }
    return made


@pytest.mark.parametrize("page", PAGES)
def test_members_see_their_accounts_rows_only(client, tenants, rows, page):
    client.force_login(tenants.member_a)
    response = client.get(f"/admin/sla/{page}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "svc-of-alpha" in html and "svc-of-beta" not in html
    own = rows["alpha"][page]
    assert client.get(f"/admin/sla/{page}/{own.pk}/change/").status_code == 200
    foreign = rows["beta"][page]
    assert client.get(f"/admin/sla/{page}/{foreign.pk}/change/").status_code == 302


@pytest.mark.parametrize("page", PAGES)
def test_nobody_adds_or_deletes_derived_rows(client, tenants, rows, page):
    superuser = get_user_model().objects.create_superuser("root", "r@example.com", "pw-root-1")
    client.force_login(superuser)
    assert client.get(f"/admin/sla/{page}/").status_code == 200
    # Operators may add a status event (through the ingest service); derived rows never.
    expected_add = 200 if page == "statusevent" else 403
    assert client.get(f"/admin/sla/{page}/add/").status_code == expected_add
    row = rows["alpha"][page]
    assert client.post(f"/admin/sla/{page}/{row.pk}/delete/", {"post": "yes"}).status_code == 403


def test_owner_rebuilds_incidents_from_events(client, tenants, rows):
    stale = rows["alpha"]["incident"]  # a factory row with no events behind it
    client.force_login(tenants.owner_a)
    response = client.post(
        "/admin/sla/incident/", {"action": "rebuild", "_selected_action": [stale.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not Incident.objects.filter(pk=stale.pk).exists()
    assert RollupMark.objects.get(service=stale.service).incidents_from is None


def test_viewer_cannot_rebuild(client, tenants, rows):
    incident = rows["alpha"]["incident"]
    client.force_login(tenants.member_a)
    client.post("/admin/sla/incident/", {"action": "rebuild", "_selected_action": [incident.pk]})
    assert Incident.objects.filter(pk=incident.pk).exists()
