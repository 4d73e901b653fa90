"""Reads of the federation: reports pushed to the account beside its own."""

from integrations.federation.models import PushedReport
from reporting.models import DailyReport


def _entry(report, source: str) -> dict:
    return {
        "source": source,
        "id": report.pk,
        "day": report.day.isoformat(),
        "timezone": report.timezone,
        "generated_at": report.generated_at,
        "json_sha256": report.json_sha256,
        "json_size": report.json_size,
        "pdf_sha256": report.pdf_sha256,
        "pdf_size": report.pdf_size,
        "summary": report.summary,
    }


def reports_side_by_side(*, account, limit: int) -> list[dict]:
    """Local and pushed daily reports, newest day first (local before pushed on a day)."""
    local = DailyReport.objects.for_account(account).order_by("-day", "-id")[:limit]
    pushed = PushedReport.objects.for_account(account).order_by("-day", "source", "-id")[:limit]
    rows = [(_entry(report, "local"), 0) for report in local]
    rows += [(_entry(report, report.source), 1) for report in pushed]
    rows.sort(key=lambda row: (row[0]["day"], -row[1]), reverse=True)
    return [entry for entry, _ in rows[:limit]]
