"""The report directory SLA_REPORT_DIR/<slug>/ follows its account: no account writes over
another's report files, a slug change moves the files and the stored paths, a deleted
account's directory goes away."""

import datetime as dt
import hashlib
import logging

import pytest
import time_machine
from django.db import transaction

from reporting.models import DailyReport, OutboxMessage
from reporting.services.report_dirs import report_dir_remove, report_dir_rename
from reporting.services.reports import (
    ReportPathTaken,
    daily_report_build,
    daily_reports_catch_up,
    report_file,
    report_files_intact,
)
from tests.factories import AccountFactory, DailyReportFactory, EmailRecipientFactory
from tests.reporting.scenario import DAY, NOW

pytestmark = pytest.mark.django_db


def _stored_report(account, day: dt.date, slug: str | None = None) -> DailyReport:
    """A report row with real files under <slug or the account's slug>/<day>."""
    folder = slug or account.slug
    values = {}
    for kind in ("json", "pdf"):
        content = f"{account.slug} {day} {kind}".encode()
        path = report_file(f"{folder}/{day}.{kind}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        values[f"{kind}_path"] = f"{folder}/{day}.{kind}"
        values[f"{kind}_sha256"] = hashlib.sha256(content).hexdigest()
        values[f"{kind}_size"] = len(content)
    return DailyReportFactory(account=account, day=day, **values)


# --------------------------------------------------------------------------- never overwrite


def test_build_refuses_to_overwrite_another_accounts_report(tenants, report_dir, caplog):
    """A keeps rows under beta/ (a rename whose files were not moved); B, now `beta`,
    must not write over them."""
    theirs = _stored_report(tenants.a, DAY, slug="beta")
    with time_machine.travel(NOW, tick=False), pytest.raises(ReportPathTaken, match="another"):
        daily_report_build(account=tenants.b, day=DAY, notify=False)
    assert report_files_intact(theirs)
    assert not DailyReport.objects.filter(account=tenants.b).exists()
    assert "not written" in caplog.text


def test_catch_up_skips_a_taken_day_and_builds_the_others(tenants, report_dir, settings, caplog):
    settings.SLA_REPORT_CATCHUP_DAYS = 3
    DailyReportFactory(account=tenants.b, day=DAY - dt.timedelta(days=3))  # B's last report
    theirs = _stored_report(tenants.a, DAY - dt.timedelta(days=1), slug="beta")
    with time_machine.travel(NOW, tick=False), caplog.at_level(logging.ERROR):
        built = daily_reports_catch_up(account=tenants.b, now=NOW)
    assert [report.day for report in built] == [DAY - dt.timedelta(days=2), DAY]
    assert report_files_intact(theirs)
    assert "not written" in caplog.text


def test_build_writes_when_only_its_own_row_has_the_path(tenants, report_dir):
    _stored_report(tenants.a, DAY)
    with time_machine.travel(NOW, tick=False):
        report = daily_report_build(account=tenants.a, day=DAY, regenerate=True, notify=False)
    assert report_files_intact(report)


# --------------------------------------------------------------------------- slug changes


def test_slug_change_moves_the_files_and_the_paths(
    tenants, report_dir, django_capture_on_commit_callbacks
):
    EmailRecipientFactory(account=tenants.a, kinds=["sla.daily_report"])
    with time_machine.travel(NOW, tick=False):
        report = daily_report_build(account=tenants.a, day=DAY)  # with its email
    tenants.a.slug = "alpha-renamed"
    with django_capture_on_commit_callbacks(execute=True):
        tenants.a.save()
    report.refresh_from_db()
    assert report.json_path == f"alpha-renamed/{DAY}.json"
    assert report.pdf_path == f"alpha-renamed/{DAY}.pdf"
    assert report_files_intact(report)
    assert not (report_dir / "alpha").exists()
    [message] = OutboxMessage.objects.filter(account=tenants.a)
    assert message.attachments[0]["path"] == f"alpha-renamed/{DAY}.pdf"
    assert report_file(message.attachments[0]["path"]).is_file()


def test_freed_slug_taken_by_a_new_account_starts_empty(
    tenants, report_dir, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        old = daily_report_build(account=tenants.a, day=DAY, notify=False)
    tenants.a.slug = "alpha-old"
    with django_capture_on_commit_callbacks(execute=True):
        tenants.a.save()
    newcomer = AccountFactory(slug="alpha")
    with time_machine.travel(NOW, tick=False):
        new = daily_report_build(account=newcomer, day=DAY, notify=False)
    old.refresh_from_db()
    assert old.json_path.startswith("alpha-old/") and new.json_path.startswith("alpha/")
    assert report_files_intact(old) and report_files_intact(new)


def test_rename_into_an_existing_directory_moves_file_by_file(tenants, report_dir):
    mine = _stored_report(tenants.a, DAY, slug="old-alpha")
    stray = report_dir / "alpha" / "notes.txt"  # the new directory exists already
    stray.parent.mkdir(parents=True)
    stray.write_text("left by someone")
    theirs = _stored_report(tenants.b, DAY - dt.timedelta(days=1), slug="alpha")
    (report_dir / "old-alpha" / theirs.json_path.split("/")[1]).write_text("mine, same name")
    report_dir_rename(account=tenants.a, old_slug="old-alpha")
    mine.refresh_from_db()
    assert mine.json_path == f"alpha/{DAY}.json" and report_files_intact(mine)
    assert report_files_intact(theirs), "another account's file was moved over"
    assert stray.read_text() == "left by someone"
    assert (report_dir / "old-alpha").is_dir()  # the clashing file stays where it was


def test_rolled_back_slug_change_moves_nothing(
    tenants, report_dir, django_capture_on_commit_callbacks
):
    report = _stored_report(tenants.a, DAY)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tenants.a.slug = "never"
        tenants.a.save()
        raise RuntimeError("roll back")
    assert callbacks == []
    report.refresh_from_db()
    assert report.json_path.startswith("alpha/") and report_files_intact(report)


def test_saves_that_keep_the_slug_do_nothing(
    tenants, report_dir, django_capture_on_commit_callbacks
):
    _stored_report(tenants.a, DAY)
    tenants.a.name = "Alpha Renamed"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tenants.a.save()
        tenants.a.save(update_fields=["name"])
    assert callbacks == []


# --------------------------------------------------------------------------- deletion


def test_deleting_an_account_removes_its_directory(
    tenants, report_dir, django_capture_on_commit_callbacks
):
    _stored_report(tenants.a, DAY)
    kept = _stored_report(tenants.b, DAY)
    with django_capture_on_commit_callbacks(execute=True):
        tenants.a.delete()
    assert not (report_dir / "alpha").exists()
    assert report_files_intact(kept)


def test_removal_keeps_files_another_account_claims(tenants, report_dir):
    theirs = _stored_report(tenants.b, DAY, slug="gone")
    orphan = report_dir / "gone" / "2026-01-01.json"
    orphan.write_text("{}")
    report_dir_remove(slug="gone")
    assert report_files_intact(theirs) and not orphan.exists()
