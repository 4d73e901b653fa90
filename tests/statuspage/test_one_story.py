"""The status page tells the same story as the rest: figures labelled, k-of-n sections
follow their group, history starts with the data, public names from display names."""

import datetime as dt
import re

import pytest

from sla.models import StatusEvent
from tests.factories import (
    AccountFactory,
    ComponentGroupFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)
from tests.statuspage.builders import NOW, one_component_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _storefront(states: list[str], k: int = 3, aggregation: str = "k_of_n"):
    account = AccountFactory(timezone="UTC")
    page = StatusPageFactory(account=account, slug="shop", title="Shop")
    group = ServiceGroupFactory(account=account, name="storefront", aggregation=aggregation, k=k)
    section = ComponentGroupFactory(account=account, page=page, name="Storefront")
    for index, state in enumerate(states):
        service = ServiceFactory(
            account=account, path=f"shop/s{index}", group=group, current_state=state
        )
        StatusPageComponentFactory(
            account=account, page=page, service=service, section=section, name=f"S{index}"
        )
    return page


def test_a_k_of_n_section_follows_its_group(client):
    _storefront(["OK", "OK", "OK", "CRIT"])  # 3 of 4 OK, k = 3: the group is OK
    summary = client.get("/status/shop/api/v2/summary.json").json()
    section = next(c for c in summary["components"] if c["name"] == "Storefront")
    assert section["status"] == "operational"
    s3 = next(c for c in summary["components"] if c["name"] == "S3")
    assert s3["status"] == "major_outage"  # the member itself is still shown as it is
    assert summary["status"]["indicator"] == "none"
    html = client.get("/status/shop/").content.decode()
    assert "All Systems Operational" in html


def test_a_k_of_n_section_below_k_is_a_partial_outage(client):
    _storefront(["OK", "OK", "CRIT", "CRIT"])
    summary = client.get("/status/shop/api/v2/summary.json").json()
    section = next(c for c in summary["components"] if c["name"] == "Storefront")
    assert section["status"] == "partial_outage"
    assert summary["status"]["indicator"] == "major"


def test_a_worst_section_still_shows_its_worst_member(client):
    _storefront(["OK", "OK", "OK", "CRIT"], aggregation="worst")
    summary = client.get("/status/shop/api/v2/summary.json").json()
    section = next(c for c in summary["components"] if c["name"] == "Storefront")
    assert section["status"] == "major_outage"


def test_the_page_labels_its_figures(client):
    one_component_page()
    html = client.get("/status/acme/").content.decode()
    legend = html.split('id="figures-legend"')[1].split("</p>")[0]
    assert "Uptime:" in legend and "30 %" in legend and "SLA figure:" in legend


def test_history_starts_with_the_first_data(client):
    page = one_component_page()
    service = page.components.get().service
    StatusEvent.objects.create(
        account=page.account,
        service=service,
        at=NOW - dt.timedelta(days=40),
        state="OK",
        dedup_key="first",
    )
    history = client.get("/status/acme/history").content.decode()
    months = re.findall(r"<h2>([A-Z][a-z]+ 20\d\d)</h2>", history)
    assert months == ["November 2026", "October 2026"]


def test_a_component_is_named_after_the_services_display_name(api_a, tenants):
    page = StatusPageFactory(account=tenants.a, slug="alpha")
    named = ServiceFactory(account=tenants.a, path="payment/api", name="Payment API")
    bare = ServiceFactory(account=tenants.a, path="payment/worker-eu", name="")
    for service, expected in ((named, "Payment API"), (bare, "worker-eu")):
        created = api_a.post(
            "/api/v1/status-page-components",
            {"page": page.pk, "service": service.pk},
            format="json",
        )
        assert created.status_code == 201, created.content
        assert created.json()["name"] == expected
