"""The demo status page seeder (make run / seed_demo)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.demo import DEMO_SEEDERS, demo_account_ensure
from sla.models import Downtime, Service, ServiceGroup
from statuspage.demo import seed
from statuspage.models import PublicIncident, StatusPage, StatusPageComponent
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_seeder_runs_after_the_services_exist():
    order = DEMO_SEEDERS.index
    assert order("statuspage.demo.seed") > order("sla.demo_history.seed")


def test_seed_demo_prints_the_status_page_url_without_services(client):
    out = io.StringIO()
    call_command("seed_demo", "--quiet-secret", stdout=out)
    assert "Status page: http://127.0.0.1:8000/status/demo/" in out.getvalue()
    assert client.get("/status/demo/").status_code == 200


def test_seeder_publishes_existing_services_once(client):
    account = demo_account_ensure()
    now = timezone.now()
    groups = [
        ServiceGroup.objects.create(account=account, name=name, title=name.title())
        for name in ("payments", "platform")
    ]
    for index in range(4):
        Service.objects.create(
            account=account, path=f"{groups[index % 2].name}/svc-{index}", group=groups[index % 2]
        )
    automatic = IncidentFactory(
        account=account,
        service=Service.objects.get(path="payments/svc-0"),
        started_at=now - dt.timedelta(hours=5),
        ended_at=now - dt.timedelta(hours=4),
    )
    first = seed(account, now)
    second = seed(account, now)
    assert first == second and first[0].startswith("Status page: http://")
    page = StatusPage.objects.get(slug="demo")
    assert StatusPageComponent.objects.filter(page=page).count() == 4
    assert page.groups.count() == 2
    assert PublicIncident.objects.filter(page=page).count() == 3
    assert PublicIncident.objects.filter(page=page, source_incident=automatic).exists()
    assert Downtime.objects.filter(account=account, public=True).count() == 1
    html = client.get("/status/demo/").content.decode()
    assert "Database upgrade (planned)" in html
    assert "Slow report generation" in html
    assert "payments/svc" not in html  # internal paths stay internal
    assert html.count('<ol class="strip"') == 4
