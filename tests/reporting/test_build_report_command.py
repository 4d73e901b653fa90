"""python manage.py build_report --account SLUG --date YYYY-MM-DD."""

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from reporting.models import DailyReport, OutboxMessage
from tests.factories import EmailRecipientFactory
from tests.reporting.scenario import NOW

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("build_report", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_builds_the_day_and_prints_files_with_checksums(tenants, report_dir):
    EmailRecipientFactory(account=tenants.a, kinds=["sla.daily_report"])
    output = _run("--account", "alpha", "--date", "2026-11-19")
    report = DailyReport.objects.get(account=tenants.a)
    assert str(report.day) == "2026-11-19"
    assert f"alpha/2026-11-19.pdf  sha256={report.pdf_sha256}" in output
    assert (report_dir / "alpha" / "2026-11-19.json").is_file()
    assert OutboxMessage.objects.filter(event_type="sla.daily_report").count() == 1
    _run("--account", "alpha", "--date", "2026-11-19")  # rebuilt, same content: not re-sent
    assert OutboxMessage.objects.filter(event_type="sla.daily_report").count() == 1
    _run("--account", "alpha", "--date", "2026-11-18", "--no-notify")
    assert OutboxMessage.objects.count() == 1 and DailyReport.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--account", "nope", "--date", "2026-11-19"], "--account"),
        (["--account", "alpha", "--date", "19.11.2026"], "--date"),
        (["--account", "alpha", "--date", "2026-11-21"], "--date"),  # today: not over
        (["--account", "alpha", "--date", "2027-01-01"], "--date"),
    ],
)
def test_errors_name_the_option(tenants, report_dir, args, named):
    with pytest.raises(CommandError, match=named):
        _run(*args)


def test_accounts_without_the_sla_feature_are_refused(tenants, report_dir):
    tenants.a.feature_sla = False
    tenants.a.save()
    with pytest.raises(CommandError, match="SLA feature is off"):
        _run("--account", "alpha", "--date", "2026-11-19")
