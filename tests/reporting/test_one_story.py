"""One story across screens: each figure says what it is, a group has one colour in the
dashboard and the PDF, public incidents show on the operator dashboard, the SLA table page
explains itself, and the report email's links work for the people it names."""

import re

import pytest
import time_machine

from reporting.charts import group_colours
from reporting.pdf import _trend
from reporting.selectors.report_data import daily_report_data
from reporting.services.reports import daily_report_build, report_payload
from statuspage.services import public_incident_create
from tests.factories import AccountFactory, MembershipFactory, StatusPageFactory
from tests.reporting.scenario import DAY, NOW, build_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(tenants, report_dir):
    scenario = build_scenario(tenants.a)
    with time_machine.travel(NOW, tick=False):
        scenario.report = daily_report_build(account=tenants.a, day=DAY, notify=False)
    return scenario


def _get(client, user, url: str) -> str:
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_dashboard_labels_its_three_figures(client, tenants, scenario):
    html = _get(client, tenants.member_a, "/dashboard/")
    legend = html.split('id="figures-legend"')[1].split("</details>")[0]
    for figure in ("Uptime", "Status page uptime", "SLA figure"):
        assert f"<dt>{figure}</dt>" in legend
    assert 'title="Uptime: OK time / monitored time"' in html
    assert 'title="SLA figure (' in html  # every SLA cell says what its figure is


def test_a_group_has_one_colour_on_the_dashboard_and_in_the_pdf(client, tenants, scenario):
    html = _get(client, tenants.member_a, "/dashboard/")
    trend = html.split('id="uptime-trend"')[1].split("</section>")[0]
    dashboard = {
        name.strip(): colour
        for colour, name in re.findall(r'fill="(#[0-9a-f]{6})"/></svg>([^<]+)<', trend)
    }
    with time_machine.travel(NOW, tick=False):
        data = daily_report_data(account=tenants.a, day=DAY)

    class Charts:
        def add(self, content):
            return "chart"

    _, legend, _ = _trend(data, Charts())
    pdf = {line["name"]: line["colour"] for line in legend if line["name"] != "All services"}
    shared = set(dashboard) & set(pdf)
    assert shared, (dashboard, pdf)
    assert all(dashboard[name] == pdf[name] for name in shared)
    assert group_colours(["b", "a"]) == group_colours(["a", "b", "b"])


def test_open_public_incidents_show_beside_the_automatic_ones(client, tenants, scenario):
    page = StatusPageFactory(account=tenants.a, slug="alpha-status")
    public_incident_create(account=tenants.a, page=page, name="Checkout slow", body="Looking.")
    html = _get(client, tenants.member_a, "/dashboard/")
    section = html.split('id="open-incidents"')[1].split("</section>")[0]
    assert "Checkout slow" in section and "/status/alpha-status/incidents/" in section
    other = AccountFactory()
    other_page = StatusPageFactory(account=other, slug="other-status")
    public_incident_create(account=other, page=other_page, name="Not yours", body="x")
    assert "Not yours" not in _get(client, tenants.member_a, "/dashboard/")


def test_the_sla_table_page_explains_itself(client, tenants, scenario):
    html = _get(client, tenants.member_a, f"/dashboard/slas/{scenario.gold.pk}/?periods=3")
    requirements = html.split('id="sla-requirements"')[1].split("</ul>")[0]
    assert "at least 99.9% OK" in requirements
    assert '<select name="periods">' in html and '<option value="3" selected>' in html
    assert "sla-cell sla-BROKEN" in html.split('class="legend"')[1]  # the colour legend
    assert "(current, <i>partial</i>)" in html
    assert 'id="figures-legend"' in html


def test_the_report_email_links_open_with_the_login_it_names(client, tenants, scenario):
    payload = report_payload(scenario.report)
    text = payload["text"]
    dashboard_link = payload["files"]["pdf"]["dashboard_url"]
    assert dashboard_link in text and payload["files"]["pdf"]["url"] in text
    assert "Authorization: Bearer" in text
    # A member of two accounts, working in the other one last, opens this account's PDF.
    second = AccountFactory(name="Zeta", slug="zeta")
    MembershipFactory(account=second, user=tenants.member_a, role="viewer")
    client.force_login(tenants.member_a)
    client.get("/dashboard/?account=zeta")
    path = dashboard_link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
