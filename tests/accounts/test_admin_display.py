"""The admin shows targets as written and instants in ISO form in the account's zone."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.admin_display import WrittenDecimalField, instant_text
from tests.factories import AccountFactory, IncidentFactory, ServiceFactory, SLOFactory

pytestmark = pytest.mark.django_db


def test_helpers():
    assert WrittenDecimalField().prepare_value(Decimal("99.500000")) == "99.5"
    assert WrittenDecimalField().prepare_value(Decimal("50.000000")) == "50"
    instant = dt.datetime(2026, 12, 2, 16, 21, 5, 123456, tzinfo=dt.UTC)
    assert instant_text(instant, ZoneInfo("Europe/Berlin")) == "2026-12-02T17:21:05+01:00"
    assert instant_text(None, ZoneInfo("UTC")) == "–"


def test_change_lists_show_written_targets_and_local_iso_instants(admin_client):
    account = AccountFactory(timezone="Europe/Berlin")
    service = ServiceFactory(account=account)
    SLOFactory(account=account, service=service, target=Decimal("99.5"))
    IncidentFactory(
        account=account,
        service=service,
        started_at=dt.datetime(2026, 12, 2, 16, 0, tzinfo=dt.UTC),
        ended_at=dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.UTC),
    )
    slos = admin_client.get("/admin/sla/slo/").content.decode()
    assert ">99.5<" in slos and "99.50000" not in slos
    incidents = admin_client.get("/admin/sla/incident/").content.decode()
    assert "2026-12-02T17:00:00+01:00" in incidents


def test_the_requirement_form_shows_the_target_as_written(admin_client, tenants):
    from sla.models import Requirement, SLADefinition

    sla = SLADefinition.objects.create(account=tenants.a, title="Gold", period="monthly")
    Requirement.objects.create(
        account=tenants.a,
        sla=sla,
        title="Availability",
        kind="percentage",
        state="OK",
        comparison="min",
        target=Decimal("99.5"),
        level_warn=Decimal("50"),
        level_crit=Decimal("10"),
    )
    page = admin_client.get(f"/admin/sla/sladefinition/{sla.pk}/change/").content.decode()
    assert 'value="99.5"' in page and 'value="50"' in page
    assert "99.500000" not in page
