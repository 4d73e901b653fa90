"""Admin: pages with inlines, publishing automatic incidents, tenant-awareness."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from statuspage.models import PublicIncident, StatusPage
from tests.factories import (
    DowntimeFactory,
    IncidentFactory,
    MembershipFactory,
    PublicIncidentFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/statuspage/statuspage/",
        "/admin/statuspage/statuspage/add/",
        "/admin/statuspage/publicincident/",
        "/admin/statuspage/publicincident/add/",
        "/admin/statuspage/publicincident/publish-automatic/",
        "/admin/statuspage/maintenanceupdate/add/",
        "/admin/statuspage/statuspagecomponent/",
        "/admin/statuspage/componentgroup/",
    ],
)
def test_admin_pages_load(client, superuser, tenants, url):
    StatusPageComponentFactory(account=tenants.a)
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_page_change_form_sets_password_and_components(client, tenants):
    page = StatusPageFactory(account=tenants.a, slug="alpha-status", title="Alpha")
    service = ServiceFactory(account=tenants.a)
    client.force_login(tenants.owner_a)
    url = f"/admin/statuspage/statuspage/{page.pk}/change/"
    assert client.get(url).status_code == 200
    data = {
        "account": tenants.a.pk,
        "title": "Alpha Status",
        "slug": "alpha-status",
        "enabled": "on",
        "time_zone": "UTC",
        "language": "en",
        "show_sla": "on",
        "new_password": "admin-set-pw",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "status.alpha.example",
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
        "components-TOTAL_FORMS": "1",
        "components-INITIAL_FORMS": "0",
        "components-0-name": "Public API",
        "components-0-service": service.pk,
        "components-0-position": "0",
        "components-0-public": "on",
        "components-0-showcase": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    page.refresh_from_db()
    assert page.is_private and page.title == "Alpha Status"
    assert page.domains.get().account == tenants.a
    component = page.components.get()
    assert component.account == tenants.a and component.name == "Public API"


def test_publish_automatic_incidents_in_one_action(client, tenants):
    page = StatusPageFactory(account=tenants.a)
    service = ServiceFactory(account=tenants.a)
    StatusPageComponentFactory(account=tenants.a, page=page, service=service, name="Checkout")
    mine = IncidentFactory(account=tenants.a, service=service, started_at=timezone.now())
    theirs = IncidentFactory(account=tenants.b, started_at=timezone.now())
    client.force_login(tenants.owner_a)
    listing = client.get("/admin/statuspage/publicincident/publish-automatic/").content.decode()
    assert f'value="{mine.pk}"' in listing and f'value="{theirs.pk}"' not in listing
    response = client.post(
        "/admin/statuspage/publicincident/publish-automatic/",
        {"incident": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert PublicIncident.objects.get().source_incident == mine
    assert not PublicIncident.objects.filter(account=tenants.b).exists()


def test_timeline_inline_sets_the_incident_status(client, tenants):
    incident = PublicIncidentFactory(account=tenants.a, started_at=timezone.now())
    client.force_login(tenants.owner_a)
    url = f"/admin/statuspage/publicincident/{incident.pk}/change/"
    now = timezone.now() + dt.timedelta(minutes=5)
    response = client.post(
        url,
        {
            "account": tenants.a.pk,
            "page": incident.page.pk,
            "name": incident.name,
            "impact": "major",
            "started_at_0": incident.started_at.strftime("%Y-%m-%d"),
            "started_at_1": incident.started_at.strftime("%H:%M:%S"),
            "follow_source": "on",
            "affected-TOTAL_FORMS": "0",
            "affected-INITIAL_FORMS": "0",
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "0",
            "updates-0-status": "resolved",
            "updates-0-body": "Fixed.",
            "updates-0-display_at_0": now.strftime("%Y-%m-%d"),
            "updates-0-display_at_1": now.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.updates.get().account == tenants.a


def test_operators_see_only_their_accounts(client, tenants):
    StatusPageFactory(account=tenants.a, title="Alpha page")
    StatusPageFactory(account=tenants.b, title="Beta page")
    client.force_login(tenants.outsider)
    html = client.get("/admin/statuspage/statuspage/").content.decode()
    assert "Beta page" in html and "Alpha page" not in html
    viewer = UserFactory()
    MembershipFactory(account=tenants.a, user=viewer, role="viewer")
    client.force_login(viewer)
    assert client.get("/admin/statuspage/publicincident/publish-automatic/").status_code == 403
    assert StatusPage.objects.count() == 2


def test_maintenance_note_form_offers_public_downtimes_only(client, tenants):
    public = DowntimeFactory(account=tenants.a, public=True, reason="Visible work")
    DowntimeFactory(account=tenants.a, public=False, reason="Hidden work")
    client.force_login(tenants.owner_a)
    html = client.get("/admin/statuspage/maintenanceupdate/add/").content.decode()
    assert "Visible work" in html and "Hidden work" not in html
    assert public.pk
