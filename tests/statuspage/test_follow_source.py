"""A public incident published from an automatic one follows it through the incidents
refresh: the refresh closes the automatic incident in place (same row), so the public one
resolves; a late event that moves the outage's start replaces the automatic row, and the
public incident stays, unlinked, instead of the refresh failing on the reference."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from sla.models import Incident, Service
from sla.services.ingest import events_ingest
from sla.services.rollups import incidents_refresh_account
from statuspage.models import PublicIncident
from statuspage.services import public_incident_from_incident
from tests.factories import AccountFactory, StatusPageComponentFactory
from tests.sla.helpers import T0, at, item

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def push(account, *items):
    events_ingest(account=account, items=list(items))
    incidents_refresh_account(account=account)


def published(account):
    push(account, item("shop/api", 0, "OK"), item("shop/api", 10, "CRIT"))
    service = Service.objects.get(account=account, path="shop/api")
    StatusPageComponentFactory(account=account, service=service, name="Checkout")
    automatic = Incident.objects.get(account=account, service=service)
    [public] = public_incident_from_incident(account=account, incident=automatic)
    return automatic, public


def test_the_public_incident_resolves_when_the_refresh_closes_the_automatic_one():
    account = AccountFactory()
    automatic, public = published(account)
    push(account, item("shop/api", 20, "WARN"))  # still open: nothing to follow
    public.refresh_from_db()
    assert public.status == "investigating" and public.source_incident_id == automatic.pk
    push(account, item("shop/api", 30, "OK"))
    public.refresh_from_db()
    assert public.status == "resolved" and public.source_incident_id == automatic.pk
    assert public.updates.order_by("-display_at").first().display_at == at(30)
    connection.check_constraints()  # PostgreSQL checks deferred references at commit


def test_a_replaced_automatic_incident_leaves_the_public_one_unlinked():
    account = AccountFactory()
    automatic, public = published(account)
    push(account, item("shop/api", 5, "WARN"))  # the outage began earlier: a new row
    assert not Incident.objects.filter(pk=automatic.pk).exists()
    public.refresh_from_db()
    assert public.source_incident_id is None and public.status == "investigating"
    connection.check_constraints()
    assert PublicIncident.objects.filter(account=account).count() == 1
