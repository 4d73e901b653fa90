"""Daily reports: build the JSON and PDF of a day, write them, record them, announce them.

Files live at SLA_REPORT_DIR/<account slug>/<YYYY-MM-DD>.json and .pdf, written to a
temporary name and renamed, so a reader never sees half a file. The directory follows the
account (reporting.services.report_dirs: moved on a slug change, removed with the account),
and a file another account's report row points to is never overwritten. Idempotent:

- The same stored rows give byte-identical JSON and PDF (report_data is ordered and
  wall-clock free; the PDF's dates and ID are fixed). A day whose files are present and
  match their recorded checksums is not rebuilt unless regeneration is asked for, and a
  rebuilt file whose bytes did not change is not rewritten.
- The webhook event `sla.daily_report` goes through the notification outbox with the dedup
  key `sla.daily_report:<day>:<JSON checksum>`: running twice sends nothing twice; a
  regenerated report whose content changed (late data) is announced once more. Its email
  deliveries attach the PDF, one delivery per recipient wanting `sla.daily_report`.
- Missed days are caught up: every day after the last report (at most
  SLA_REPORT_CATCHUP_DAYS back) up to yesterday in the account's time zone.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.features import sla_enabled
from reporting.models import DailyReport, OutboxMessage
from reporting.pdf import render_report_pdf
from reporting.selectors.report_data import daily_report_data
from reporting.services.notifications import notification_emit

logger = logging.getLogger(__name__)
EVENT_TYPE = "sla.daily_report"
CONTENT_TYPES = {"json": "application/json", "pdf": "application/pdf"}


@dataclass(frozen=True)
class RenderedReport:
    """A report's data and its two files' bytes."""

    data: dict
    json_bytes: bytes
    pdf_bytes: bytes


def report_json_bytes(data: dict) -> bytes:
    """The JSON file: compact UTF-8, keys in a fixed order, no NaN, a final newline."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode()


def daily_report_render(*, account, day: dt.date) -> RenderedReport:
    data = daily_report_data(account=account, day=day)
    return RenderedReport(
        data=data, json_bytes=report_json_bytes(data), pdf_bytes=render_report_pdf(data)
    )


def report_dir() -> Path:
    return Path(settings.SLA_REPORT_DIR)


def report_relative_path(*, account, day: dt.date, kind: str) -> str:
    return f"{account.slug}/{day.isoformat()}.{kind}"


def report_file(relative: str) -> Path:
    """The absolute path of a stored report file; refuses anything outside SLA_REPORT_DIR."""
    root = report_dir().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path == root:
        raise ValueError(f"report path outside SLA_REPORT_DIR: {relative!r}")
    return path


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _file_sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _write(path: Path, content: bytes) -> None:
    """Write atomically (temporary file, fsync, rename); leave equal content untouched."""
    if _file_sha256(path) == _sha256(content):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; the web server reads reports
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class ReportPathTaken(ValueError):
    """The file a report would be written to is recorded for another account's report."""


def _refuse_taken_paths(account, day: dt.date) -> None:
    """Never write over another account's report: after a slug change whose files were not
    moved, a new account with the freed slug would otherwise rewrite <slug>/<day> files
    that the old account's rows still point to. Checked across accounts on purpose; only
    rows of the same day can claim them (a path is <slug>/<the row's day>.<kind>, and a
    slug change rewrites the slug part only)."""
    paths = [report_relative_path(account=account, day=day, kind=kind) for kind in CONTENT_TYPES]
    owner = (
        DailyReport.objects.filter(day=day)
        .exclude(account=account)
        .filter(Q(json_path__in=paths) | Q(pdf_path__in=paths))
        .values_list("account_id", flat=True)
        .first()
    )
    if owner is not None:
        logger.error(
            "report %s of account %s not written: account %s's report is stored there",
            paths,
            account.pk,
            owner,
        )
        raise ReportPathTaken(
            f"{paths[0]} in SLA_REPORT_DIR is recorded for another account's report; "
            "it is not overwritten (an operator has to move that account's report directory)"
        )


def report_files_intact(report: DailyReport) -> bool:
    """Both files exist and match the checksums recorded for them."""
    return _file_sha256(report_file(report.json_path)) == report.json_sha256 and (
        _file_sha256(report_file(report.pdf_path)) == report.pdf_sha256
    )


def _record(account, day: dt.date, rendered: RenderedReport, seconds: float, now) -> DailyReport:
    values = {
        "timezone": account.timezone,
        "schema_version": rendered.data["schema_version"],
        "json_path": report_relative_path(account=account, day=day, kind="json"),
        "json_sha256": _sha256(rendered.json_bytes),
        "json_size": len(rendered.json_bytes),
        "pdf_path": report_relative_path(account=account, day=day, kind="pdf"),
        "pdf_sha256": _sha256(rendered.pdf_bytes),
        "pdf_size": len(rendered.pdf_bytes),
        "summary": rendered.data["summary"],
        "generated_at": now,
        "build_seconds": round(seconds, 3),
    }
    try:
        with transaction.atomic():
            report, _ = DailyReport.objects.update_or_create(
                account=account, day=day, defaults=values
            )
    except IntegrityError:  # built concurrently; both wrote the same bytes
        report = DailyReport.objects.for_account(account).get(day=day)
    return report


def _public_url(path: str) -> str:
    return f"{settings.SLA_PUBLIC_BASE_URL}{path}"


def report_payload(report: DailyReport) -> dict:
    """The `sla.daily_report` event's data: links, checksums, sizes and the summary."""
    files = {}
    for kind in ("json", "pdf"):
        files[kind] = {
            "url": _public_url(f"/api/v1/daily-reports/{report.pk}/{kind}"),
            # With the account named: a login that belongs to several accounts opens the
            # report of this one, not of the account it worked in last.
            "dashboard_url": _public_url(
                f"/dashboard/reports/{report.pk}/{kind}?account={report.account.slug}"
            ),
            "sha256": getattr(report, f"{kind}_sha256"),
            "size": getattr(report, f"{kind}_size"),
            "content_type": CONTENT_TYPES[kind],
        }
    summary = report.summary or {}
    return {
        "title": f"Daily SLA report {report.day:%Y-%m-%d} – {report.account.name}",
        "text": _email_text(report, summary, files),
        "report": {
            "id": report.pk,
            "day": report.day.isoformat(),
            "timezone": report.timezone,
            "schema_version": report.schema_version,
            "generated_at": report.generated_at,
        },
        "files": files,
        "summary": summary,
    }


def _email_text(report: DailyReport, summary: dict, files: dict) -> str:
    from reporting.display import uptime_text

    states = summary.get("sla_states") or {}
    lines = [
        f"Daily SLA report of {report.account.name} for {report.day:%A, %d %B %Y} "
        f"({report.timezone}).",
        "",
        f"Services: {summary.get('services', 0)}, uptime of all services: "
        f"{uptime_text(summary.get('uptime_percent'))}",
        f"SLAs (period to date): {states.get('BROKEN', 0)} broken, {states.get('CRIT', 0)} "
        f"critical, {states.get('WARN', 0)} warning, {states.get('OK', 0)} OK, "
        f"{states.get('NODATA', 0)} without data",
        f"Incidents: {summary.get('incidents', 0)}, downtimes: {summary.get('downtimes', 0)}",
        "",
        "The PDF report is attached. Downloads, in the dashboard (log in as a member of "
        f"{report.account.name}):",
        f"  PDF:  {files['pdf']['dashboard_url']}",
        f"  JSON: {files['json']['dashboard_url']}",
        "or over the API (Authorization: Bearer <token with the read scope>):",
        f"  PDF:  {files['pdf']['url']}",
        f"  JSON: {files['json']['url']}",
        f"  SHA-256 of the PDF: {files['pdf']['sha256']}",
    ]
    return "\n".join(lines)


def daily_report_notify(*, report: DailyReport, now=None) -> OutboxMessage:
    """Announce a report once per content: webhook with links, emails with the PDF."""
    return notification_emit(
        account=report.account,
        event_type=EVENT_TYPE,
        payload=report_payload(report),
        dedup_key=f"{EVENT_TYPE}:{report.day.isoformat()}:{report.json_sha256[:16]}",
        now=now,
        attachments=[
            {
                "path": report.pdf_path,
                "filename": f"sla-report-{report.account.slug}-{report.day.isoformat()}.pdf",
                "content_type": CONTENT_TYPES["pdf"],
            }
        ],
    )


def daily_report_build(
    *, account, day: dt.date, regenerate: bool = False, notify: bool = True, now=None
) -> DailyReport:
    """Build (or keep) the report of `day` and announce it; returns its row."""
    now = now or timezone.now()
    if not sla_enabled(account):
        raise ValueError(f"the SLA feature is off for {account.slug}: no reports")
    if day >= account.today(now):
        raise ValueError(f"{day} is not over yet in {account.timezone}; reports cover past days")
    report = DailyReport.objects.for_account(account).filter(day=day).first()
    if report is not None and not regenerate and report_files_intact(report):
        if notify:
            daily_report_notify(report=report, now=now)  # once: the outbox de-duplicates
        return report
    _refuse_taken_paths(account, day)
    started = time.monotonic()
    rendered = daily_report_render(account=account, day=day)
    for kind, content in (("json", rendered.json_bytes), ("pdf", rendered.pdf_bytes)):
        _write(report_file(report_relative_path(account=account, day=day, kind=kind)), content)
    # The row and its event commit together: a crash leaves neither (the day stays due).
    with transaction.atomic():
        report = _record(account, day, rendered, time.monotonic() - started, now)
        if notify:
            daily_report_notify(report=report, now=now)
    logger.info("daily report %s %s built in %.1f s", account.slug, day, report.build_seconds)
    return report


def daily_report_days_due(*, account, now: dt.datetime) -> list[dt.date]:
    """Days to build: after the latest report (or from yesterday for a first report), at
    most SLA_REPORT_CATCHUP_DAYS back, up to yesterday in the account's zone; plus days
    whose files went missing within that range."""
    yesterday = account.today(now) - dt.timedelta(days=1)
    earliest = yesterday - dt.timedelta(days=settings.SLA_REPORT_CATCHUP_DAYS - 1)
    reports = {
        report.day: report
        for report in DailyReport.objects.for_account(account).filter(
            day__gte=earliest, day__lte=yesterday
        )
    }
    latest = DailyReport.objects.for_account(account).order_by("-day").first()
    first = yesterday if latest is None else max(earliest, latest.day + dt.timedelta(days=1))
    due = []
    day = earliest
    while day <= yesterday:
        report = reports.get(day)
        if (report is None and day >= first) or (report and not report_files_intact(report)):
            due.append(day)
        day += dt.timedelta(days=1)
    return due


def daily_reports_catch_up(*, account, now: dt.datetime | None = None) -> list[DailyReport]:
    """The periodic unit of one account: build every due day, oldest first."""
    now = now or timezone.now()
    if not sla_enabled(account):
        return []
    built = []
    for day in daily_report_days_due(account=account, now=now):
        try:
            built.append(daily_report_build(account=account, day=day, now=now))
        except ReportPathTaken:  # logged; the other days of the account still get built
            continue
    return built
