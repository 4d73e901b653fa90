"""Dashboard pages of SLA views and the CSV export, against the API's figures."""

import csv
import io

import pytest
import time_machine

from slaviews.models import SLAView, SLAViewColumn
from tests.slaviews.scenario import NOW, build_view_scenario

pytestmark = pytest.mark.django_db


def gsb_view(account, scenario, **fields) -> SLAView:
    fields.setdefault("last_periods", 3)
    view = SLAView.objects.create(account=account, name="Gold / silver / bronze", **fields)
    for position, sla in enumerate((scenario.gold, scenario.silver, scenario.bronze)):
        SLAViewColumn.objects.create(account=account, view=view, sla=sla, position=position)
    return view


def csv_cells(text: str) -> list[tuple]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return [(r["path"], r["column"], r["period_start"], r["state"]) for r in rows]


def api_cells(body: dict) -> list[tuple]:
    return [
        (row["service"]["path"], cell["column"], period["start"], period["state"])
        for row in body["results"]
        for cell in row["cells"]
        for period in cell["periods"]
    ]


def test_view_page_and_csv_match_the_api(client, api_a, tenants):
    scenario = build_view_scenario(tenants.a)
    view = gsb_view(tenants.a, scenario, only_outages=True, grouping="path_prefix")
    client.force_login(tenants.member_a)
    with time_machine.travel(NOW, tick=False):
        listing = client.get("/dashboard/sla-views/").content.decode()
        page = client.get(f"/dashboard/sla-views/{view.pk}/")
        exported = client.get(f"/dashboard/sla-views/{view.pk}/export.csv")
        body = api_a.get(f"/api/v1/sla-views/{view.pk}/results").json()
    assert f'href="/dashboard/sla-views/{view.pk}/"' in listing
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="view-row"') == 2 and 'data-path="shop/web"' not in html
    assert 'id="aggregates"' in html and 'data-worst="BROKEN"' in html
    assert "77.77%" in html  # gold: 7 of 9 evaluated periods met
    assert "style=" not in html and "<script" not in html
    assert exported["Content-Type"].startswith("text/csv")
    assert csv_cells(exported.content.decode()) == api_cells(body)


def test_other_accounts_view_is_404(client, tenants):
    scenario = build_view_scenario(tenants.a)
    view = gsb_view(tenants.a, scenario)
    client.force_login(tenants.outsider)
    for url in (f"/dashboard/sla-views/{view.pk}/", f"/dashboard/sla-views/{view.pk}/export.csv"):
        assert client.get(url).status_code == 404
