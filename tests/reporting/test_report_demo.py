"""`make run` demo: the reporting seeder runs last and leaves yesterday's report."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.demo import DEMO_SEEDERS, demo_seed
from reporting.models import DailyReport, EmailRecipient, OutboxMessage
from reporting.services.reports import report_files_intact

pytestmark = pytest.mark.django_db


def test_demo_has_yesterdays_report_and_a_report_recipient(report_dir):
    assert DEMO_SEEDERS[-1] == "reporting.demo.seed"
    first = demo_seed()
    demo_seed()  # idempotent: the report is kept, the email not sent twice
    report = DailyReport.objects.get(account=first.account)
    today = dt.datetime.now(ZoneInfo(first.account.timezone)).date()
    assert report.day == today - dt.timedelta(days=1)
    assert report_files_intact(report)
    recipient = EmailRecipient.objects.get(account=first.account)
    assert recipient.kinds == ["sla.daily_report"]
    assert OutboxMessage.objects.filter(event_type="sla.daily_report").count() == 1
    assert any(f"/dashboard/reports/{report.pk}/pdf" in line for line in first.notes)
