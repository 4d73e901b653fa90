"""Daily reports: the figures of a day with a known outage in the JSON and (read back with
pdftotext) in the PDF, the JSON schema, idempotent builds, emails with the PDF attached,
webhook payload, catch-up of missed days, the account's day and the feature gate."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.core import mail
from pypdf import PdfReader

from reporting.models import DailyReport, Delivery, OutboxMessage
from reporting.services.notifications import outbox_process_due
from reporting.services.reports import (
    daily_report_build,
    daily_report_days_due,
    daily_report_render,
    daily_reports_catch_up,
    report_file,
)
from reporting.tasks import daily_reports, daily_reports_account
from tests.factories import DailyUptimeFactory, EmailRecipientFactory, WebhookEndpointFactory
from tests.reporting.conftest import pdf_text
from tests.reporting.scenario import DAY, NOW, OUTAGE_SECONDS, build_scenario

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[2] / "reporting" / "schema" / "daily-report-v1.json"


def text_fonts(path: Path) -> set[str]:
    """The fonts that draw visible text (xhtml2pdf also names Helvetica for empty runs)."""
    used: set[str] = set()

    def visit(text, matrix, text_matrix, font, size):
        if text.strip() and font is not None:
            used.add(font["/BaseFont"])

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return used


def _service(data: dict, path: str) -> dict:
    services = [service for group in data["groups"] for service in group["services"]]
    return next(entry for entry in services + data["ungrouped_services"] if entry["path"] == path)


@pytest.fixture
def scenario(tenants, report_dir):
    return build_scenario(tenants.a)


@pytest.fixture
def built(scenario):
    with time_machine.travel(NOW, tick=False):
        return daily_report_build(account=scenario.account, day=DAY)


def test_json_has_the_known_outage_figures_and_matches_the_schema(scenario, built):
    data = json.loads(report_file(built.json_path).read_bytes())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["schema_version"] == 1 and data["day"] == "2026-11-20"
    assert data["range"] == {"start": "2026-11-19T23:00:00Z", "end": "2026-11-20T23:00:00Z"}
    api = _service(data, "payment/api")
    assert api["uptime"]["percent"] == pytest.approx(100 * (86400 - OUTAGE_SECONDS) / 86400)
    assert api["uptime"]["seconds"]["crit"] == OUTAGE_SECONDS
    assert len(api["strip"]) == 30 and api["strip"][-1] == pytest.approx(96.875)
    sla = api["sla"]
    assert sla["title"] == "Gold 99.9% monthly" and not sla["complete"]
    assert (sla["period_start"], sla["period_end"]) == (
        "2026-10-31T23:00:00Z",
        "2026-11-30T23:00:00Z",
    )
    availability, outages = sla["requirements"]
    considered = 20 * 86400  # 1-20 November (Berlin) up to the end of the report day
    assert availability["considered_seconds"] == considered
    assert availability["value"] == pytest.approx(100 * (considered - OUTAGE_SECONDS) / considered)
    assert availability["state"] == "BROKEN" and sla["state"] == "BROKEN"
    budget = availability["budget"]
    assert budget["budget_seconds"] == pytest.approx(considered / 1000)
    assert budget["consumed_seconds"] == OUTAGE_SECONDS
    assert budget["remaining_seconds"] == pytest.approx(considered / 1000 - OUTAGE_SECONDS)
    assert budget["burn_rate"] == pytest.approx(OUTAGE_SECONDS / (considered / 1000))
    assert outages["count"] == 1 and outages["outages"][0]["seconds"] == OUTAGE_SECONDS
    [incident] = api["incidents"]
    assert incident["start"] == "2026-11-20T09:00:00Z" and incident["end"] == "2026-11-20T09:45:00Z"
    assert incident["worst_state"] == "CRIT" and incident["duration_seconds"] == OUTAGE_SECONDS
    [slo] = api["slos"]
    assert (
        slo["name"] == "Payment API availability" and slo["window"]["end"] == data["range"]["end"]
    )
    assert slo["budget"]["consumed"] == pytest.approx(OUTAGE_SECONDS / 60)  # minutes
    assert slo["burn_rates"]["day"] == pytest.approx(OUTAGE_SECONDS / 86400 / 0.001)
    web = _service(data, "shop/web")
    [downtime] = web["downtimes"]
    assert downtime["reason"] == "Database upgrade <v15>" and downtime["seconds_in_day"] == 3600
    assert web["sla"]["title"] == "Internal 99% daily" and web["sla"]["complete"]
    payment = next(group for group in data["groups"] if group["name"] == "payment-system")
    assert payment["uptime"]["percent"] == pytest.approx(96.875)
    assert [service["path"] for service in payment["services"]] == ["payment/api", "payment/db"]
    assert [service["path"] for service in data["ungrouped_services"]] == ["tools/wiki"]
    summary = data["summary"]
    assert summary["services"] == 5 and summary["incidents"] == 1 and summary["downtimes"] == 1
    assert summary["sla_states"]["BROKEN"] == 1 and summary["slos"] == 1
    assert built.summary == summary


def test_pdf_reads_back_with_the_same_figures(scenario, built, artifacts):
    path = report_file(built.pdf_path)
    text = pdf_text(path)
    assert "Daily SLA report" in text and "Friday, 20 November 2026" in text
    assert "Zahlungs-API Ærøskøbing" in text and "Paiement & Zürich <Kasse>" in text
    assert "Shop <b>web</b>" in text and "Ŵiki" in text  # tenant text printed, not markup
    assert "96.87%" in text  # the day's uptime of payment/api (96.875 %, cut)
    assert "99.84%" in text and "BROKEN" in text  # the period to date against 99.9 %
    # 2,700 s spent of 1,728 s allowed (the cell wraps after "by")
    assert "overspent by" in text and "16 min 12 s" in text
    assert "2026-11-20 10:00" in text and "2026-11-20 10:45" in text and "45 min" in text
    assert "Database upgrade <v15>" in text and "1 h" in text
    assert "Payment API availability" in text
    assert text_fonts(path) <= {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold"}
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    embedded = [line for line in fonts.stdout.splitlines() if "DejaVuSans" in line]
    assert len(embedded) == 2 and all(" yes yes yes " in line for line in embedded)
    if shutil.which("pdftoppm"):
        target = artifacts / "daily-report-page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(path), str(target)],
            check=True,
        )
        assert (artifacts / "daily-report-page-1.png").stat().st_size > 10_000


def test_same_rows_give_byte_identical_files(scenario):
    with time_machine.travel(NOW, tick=False):
        first = daily_report_render(account=scenario.account, day=DAY)
    with time_machine.travel(NOW + dt.timedelta(hours=5), tick=False):
        second = daily_report_render(account=scenario.account, day=DAY)
    assert first.json_bytes == second.json_bytes
    assert first.pdf_bytes == second.pdf_bytes


def test_building_twice_keeps_the_files_and_sends_once(scenario, report_dir):
    EmailRecipientFactory(account=scenario.account, email="boss@example.com", kinds=[])
    EmailRecipientFactory(account=scenario.account, email="ops@example.com", kinds=["x"][:0])
    EmailRecipientFactory(
        account=scenario.account, email="alerts@example.com", kinds=["slo.alert.firing"]
    )
    with time_machine.travel(NOW, tick=False):
        first = daily_report_build(account=scenario.account, day=DAY)
        stamp = report_file(first.pdf_path).stat().st_mtime_ns
        daily_reports_catch_up(account=scenario.account)
        second = daily_report_build(account=scenario.account, day=DAY)
        assert outbox_process_due(now=NOW) == 2
        daily_report_build(account=scenario.account, day=DAY, regenerate=True)
        assert outbox_process_due(now=NOW) == 0
    assert second.pk == first.pk and second.pdf_sha256 == first.pdf_sha256
    assert report_file(first.pdf_path).stat().st_mtime_ns == stamp  # not rewritten
    assert OutboxMessage.objects.filter(event_type="sla.daily_report").count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == [
        "boss@example.com",
        "ops@example.com",
    ]
    email = mail.outbox[0]
    assert "Daily SLA report 2026-11-20" in email.subject
    [(filename, content, content_type)] = email.attachments
    assert filename == f"sla-report-{scenario.account.slug}-2026-11-20.pdf"
    assert content_type == "application/pdf"
    assert content == report_file(first.pdf_path).read_bytes()
    assert "1 broken" in email.body and first.pdf_sha256 in email.body


def test_changed_data_is_rebuilt_on_request_and_announced_again(scenario, report_dir):
    EmailRecipientFactory(account=scenario.account, kinds=["sla.daily_report"])
    with time_machine.travel(NOW, tick=False):
        first = daily_report_build(account=scenario.account, day=DAY)
        row = scenario.account  # late data: one more incident-free day row is corrected
        DailyUptimeFactory(
            account=row, service=scenario.services["tools/wiki"], day=DAY - dt.timedelta(days=40)
        )
        kept = daily_report_build(account=scenario.account, day=DAY)
        assert kept.json_sha256 == first.json_sha256  # outside the strip: same content
        scenario.services["tools/wiki"].daily_uptime.filter(day=DAY).update(seconds_crit=60)
        unchanged = daily_report_build(account=scenario.account, day=DAY)
        assert unchanged.json_sha256 == first.json_sha256  # kept: no regeneration asked
        rebuilt = daily_report_build(account=scenario.account, day=DAY, regenerate=True)
        outbox_process_due(now=NOW)
    assert rebuilt.json_sha256 != first.json_sha256 and rebuilt.pk == first.pk
    data = json.loads(report_file(rebuilt.json_path).read_bytes())
    assert _service(data, "tools/wiki")["uptime"]["seconds"]["crit"] == 60
    assert OutboxMessage.objects.filter(event_type="sla.daily_report").count() == 2
    assert len(mail.outbox) == 2  # the corrected report is sent once more


def test_webhook_payload_has_links_and_checksums(scenario, report_dir, receiver, settings):
    settings.SLA_PUBLIC_BASE_URL = "https://sla.example.com"
    WebhookEndpointFactory(account=scenario.account, url=receiver.url, secret=receiver.secret)
    with time_machine.travel(NOW, tick=False):
        report = daily_report_build(account=scenario.account, day=DAY)
        outbox_process_due(now=NOW)
    [got] = receiver.requests
    assert got.signature_ok and got.json["type"] == "sla.daily_report"
    data = got.json["data"]
    assert data["report"]["day"] == "2026-11-20" and data["report"]["id"] == report.pk
    pdf = data["files"]["pdf"]
    assert pdf["url"] == f"https://sla.example.com/api/v1/daily-reports/{report.pk}/pdf"
    assert pdf["sha256"] == report.pdf_sha256 and pdf["size"] == report.pdf_size
    assert data["files"]["json"]["sha256"] == report.json_sha256
    assert data["summary"]["sla_states"]["BROKEN"] == 1
    delivery = Delivery.objects.get(webhook__isnull=False)
    assert delivery.status == "delivered"


def test_missed_days_are_caught_up(tenants, report_dir, settings):
    account = tenants.a
    settings.SLA_REPORT_CATCHUP_DAYS = 5
    with time_machine.travel(NOW, tick=False):
        assert daily_report_days_due(account=account, now=NOW) == [DAY]  # first report
        daily_report_build(account=account, day=DAY - dt.timedelta(days=3), notify=False)
        assert daily_report_days_due(account=account, now=NOW) == [
            DAY - dt.timedelta(days=2),
            DAY - dt.timedelta(days=1),
            DAY,
        ]
        built = daily_reports_catch_up(account=account)
        assert [report.day for report in built] == [DAY - dt.timedelta(days=n) for n in (2, 1, 0)]
        assert daily_report_days_due(account=account, now=NOW) == []
        report_file(built[1].pdf_path).unlink()  # a lost file is rebuilt
        assert daily_report_days_due(account=account, now=NOW) == [DAY - dt.timedelta(days=1)]
    later = NOW + dt.timedelta(days=30)
    assert len(daily_report_days_due(account=account, now=later)) == 5  # bounded catch-up


@pytest.mark.parametrize(
    ("zone", "yesterday"),
    [
        ("UTC", dt.date(2026, 11, 20)),
        ("Asia/Tokyo", dt.date(2026, 11, 20)),
        ("America/Los_Angeles", dt.date(2026, 11, 19)),
    ],
)
def test_yesterday_is_the_accounts_day(tenants, report_dir, zone, yesterday):
    account = tenants.a
    account.timezone = zone
    account.save()
    job_time = dt.datetime(2026, 11, 21, 0, 5, tzinfo=dt.UTC)
    assert daily_report_days_due(account=account, now=job_time) == [yesterday]
    with time_machine.travel(job_time, tick=False), pytest.raises(ValueError, match="not over"):
        daily_report_build(account=account, day=yesterday + dt.timedelta(days=1))


def test_job_builds_for_accounts_with_the_sla_feature_only(tenants, report_dir, monkeypatch):
    # The beat task dispatches one unit per account; run the units here (with Redis, Celery
    # would queue them for a worker).
    monkeypatch.setattr(daily_reports_account, "delay", daily_reports_account)
    tenants.b.feature_sla = False
    tenants.b.save()
    with time_machine.travel(NOW, tick=False):
        assert daily_reports() == 1
    assert list(DailyReport.objects.values_list("account__slug", "day")) == [("alpha", DAY)]
    assert sorted(path.name for path in (report_dir / "alpha").iterdir()) == [
        "2026-11-20.json",
        "2026-11-20.pdf",
    ]
    assert daily_reports_catch_up(account=tenants.b) == []


def test_job_is_declared_in_the_schedule(settings):
    from slaportal.schedule import PERIODIC_JOBS, daily_crontab

    [job] = [job for job in PERIODIC_JOBS if job.task == "reporting.daily_reports"]
    assert job.crontab == "5 0 * * *"
    assert daily_crontab("23:45") == "45 23 * * *"


def test_latency_and_time_slice_slos_are_reported_within_the_schema(scenario):
    from tests.factories import SLOFactory

    api = scenario.slo.service
    for kind, extra in (("latency", {}), ("timeslice", {"latency_percentile": 99})):
        SLOFactory(
            account=scenario.account,
            name=f"Payment API {kind}",
            service=api,
            sli_kind=kind,
            latency_threshold_ms=300,
            target="99",
            **extra,
        )
    with time_machine.travel(NOW, tick=False):
        report = daily_report_build(account=scenario.account, day=DAY, notify=False)
    data = json.loads(report_file(report.json_path).read_bytes())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    kinds = {slo["sli_kind"]: slo for slo in _service(data, "payment/api")["slos"]}
    assert {"time", "latency", "timeslice"} <= set(kinds)
    assert kinds["timeslice"]["budget"]["unit"] == "minutes"
    assert kinds["latency"]["budget"]["unit"] == "requests"
