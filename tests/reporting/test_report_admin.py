"""Admin of daily reports: tenant-aware list and downloads, regeneration, building a day."""

import pytest
import time_machine

from reporting.models import DailyReport
from reporting.services.reports import daily_report_build
from tests.factories import DailyReportFactory
from tests.reporting.scenario import DAY, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tenants):
    for user in (tenants.owner_a, tenants.member_a, tenants.outsider):
        user.is_staff = True
        user.save()
    return tenants


@pytest.fixture
def report(staff, report_dir):
    with time_machine.travel(NOW, tick=False):
        return daily_report_build(account=staff.a, day=DAY, notify=False)


def test_list_and_downloads_are_tenant_aware(client, staff, report):
    other = DailyReportFactory(account=staff.b)
    client.force_login(staff.member_a)
    html = client.get("/admin/reporting/dailyreport/").content.decode()
    assert "Nov. 20, 2026" in html and "Build a report for a day" in html
    assert f"/admin/reporting/dailyreport/{other.pk}/" not in html
    download = client.get(f"/admin/reporting/dailyreport/{report.pk}/download/pdf/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:4] == b"%PDF"
    client.force_login(staff.outsider)
    assert client.get(f"/admin/reporting/dailyreport/{report.pk}/download/pdf/").status_code == 404
    listing = client.get("/admin/reporting/dailyreport/").content.decode()
    assert f"/dailyreport/{report.pk}/download/pdf/" not in listing
    assert f"/dailyreport/{other.pk}/download/pdf/" in listing


def test_owner_regenerates_viewer_cannot(client, staff, report):
    action = {"action": "regenerate", "_selected_action": [report.pk]}
    client.force_login(staff.member_a)
    with time_machine.travel(NOW, tick=False):
        client.post("/admin/reporting/dailyreport/", action)
    report.refresh_from_db()
    first_generated = report.generated_at
    client.force_login(staff.owner_a)
    later = NOW.replace(hour=9)
    with time_machine.travel(later, tick=False):
        response = client.post("/admin/reporting/dailyreport/", action, follow=True)
    assert "1 report(s) regenerated" in response.content.decode()
    report.refresh_from_db()
    assert report.generated_at == later and first_generated == NOW


def test_build_form_builds_any_past_day_of_a_writable_account(client, staff, report_dir):
    client.force_login(staff.owner_a)
    form = client.get("/admin/reporting/dailyreport/build/").content.decode()
    assert "Alpha Ltd" in form and "Beta GmbH" not in form
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/admin/reporting/dailyreport/build/",
            {"account": staff.a.pk, "day": "2026-11-02", "notify": ""},
        )
        assert response.status_code == 302
        refused = client.post(
            "/admin/reporting/dailyreport/build/",
            {"account": staff.a.pk, "day": "2026-11-21"},
        )
        foreign = client.post(
            "/admin/reporting/dailyreport/build/",
            {"account": staff.b.pk, "day": "2026-11-02"},
        )
    assert DailyReport.objects.get(account=staff.a).day.isoformat() == "2026-11-02"
    assert "not over yet" in refused.content.decode()
    assert "Select a valid choice" in foreign.content.decode()
    assert not DailyReport.objects.filter(account=staff.b).exists()
    client.force_login(staff.member_a)
    assert client.get("/admin/reporting/dailyreport/build/").status_code == 403


def test_regenerating_reports_of_an_account_without_the_sla_feature_changes_nothing(
    client, staff, report
):
    staff.a.feature_sla = False
    staff.a.save()
    client.force_login(staff.owner_a)
    response = client.post(
        "/admin/reporting/dailyreport/",
        {"action": "regenerate", "_selected_action": [report.pk]},
        follow=True,
    )
    assert "0 report(s) regenerated; 1 left as they were" in response.content.decode()
