"""The dashboard's agreements card, the agreement page with its level timeline, and the
admin with counters, last values and violations."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import GuaranteeFactory, LevelChangeFactory, ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(tenants):
    now = timezone.now()
    guarantee = GuaranteeFactory(
        account=tenants.a,
        agreement__level="Critical",
        last_values={"go_memstats_frees_total": {"key": "go_memstats_frees_total", "value": 7}},
    )
    agreement = guarantee.agreement
    LevelChangeFactory(account=tenants.a, agreement=agreement, at=now - dt.timedelta(hours=2),
                       previous_level="Met", level="Critical")  # fmt: skip
    ViolationFactory(account=tenants.a, guarantee=guarantee, agreement=agreement, at=now)
    return agreement


def test_the_dashboard_card_and_the_detail_page(client, tenants, broken):
    client.force_login(tenants.owner_a)
    page = client.get("/dashboard/").content.decode()
    assert 'id="agreements"' in page and "Critical 1" in page
    assert broken.agreement_id in page
    detail = client.get(f"/dashboard/agreements/{broken.pk}/").content.decode()
    assert "Level timeline" in detail and 'class="sla-CRIT"' in detail
    assert "go_memstats_frees_total = 7" in detail and "239641613" in detail
    assert "style=" not in detail and "<script" not in detail


def test_another_accounts_agreement_page_is_404(client, tenants, broken):
    client.force_login(tenants.outsider)
    assert client.get(f"/dashboard/agreements/{broken.pk}/").status_code == 404
    assert broken.agreement_id not in client.get("/dashboard/").content.decode()


def test_the_admin_shows_counters_values_and_violations(admin_client, broken):
    page = admin_client.get(f"/admin/agreements/agreement/{broken.pk}/change/").content.decode()
    assert "Total executions" in page and "go_memstats_frees_total" in page
    assert "239641613" in page
    assert admin_client.get("/admin/agreements/violation/").status_code == 200
    assert admin_client.get("/admin/agreements/context/").status_code == 200
