"""An account's report directory SLA_REPORT_DIR/<slug>/ follows the account: moved when its
slug changes, removed when it is deleted (reporting.receivers call these after the commit).

The stored paths (DailyReport.json_path/pdf_path and the attachments of pending report
emails) are relative to SLA_REPORT_DIR and start with the slug, so a rename moves the
files and rewrites those paths. Files that another account's rows claim are never moved
over or removed (see also the check before writing in reporting.services.reports).
"""

import logging
import os
import shutil
from pathlib import Path

from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr

from reporting.models import DailyReport, OutboxMessage
from reporting.services.reports import EVENT_TYPE, report_file

logger = logging.getLogger(__name__)


def _claimed_paths(*, prefix: str, exclude_account=None) -> set[str]:
    """Report paths under `prefix` recorded by any account's rows (but `exclude_account`).

    Deliberately across accounts: it guards one tenant's files against another's."""
    rows = DailyReport.objects.filter(
        Q(json_path__startswith=prefix) | Q(pdf_path__startswith=prefix)
    )
    if exclude_account is not None:
        rows = rows.exclude(account=exclude_account)
    return {path for pair in rows.values_list("json_path", "pdf_path") for path in pair}


def _move_files(source: Path, target: Path, *, new_slug: str, account) -> int:
    """Move the files of `source` into the existing `target`, one by one, never over a file
    another account's rows claim. Returns how many were left in `source`."""
    claimed = _claimed_paths(prefix=f"{new_slug}/", exclude_account=account)
    left = 0
    for path in sorted(source.iterdir()):
        if path.is_file() and f"{new_slug}/{path.name}" not in claimed:
            os.replace(path, target / path.name)
        else:
            logger.error("%s not moved to %s: another account's report is there", path, target)
            left += 1
    if not left:
        source.rmdir()
    return left


def _rewrite_paths(*, account, old_slug: str, new_slug: str) -> None:
    old, new = f"{old_slug}/", f"{new_slug}/"
    rows = DailyReport.objects.for_account(account)
    for field in ("json_path", "pdf_path"):
        rows.filter(**{f"{field}__startswith": old}).update(
            **{field: Concat(Value(new), Substr(F(field), len(old) + 1))}
        )
    messages = OutboxMessage.objects.for_account(account).filter(event_type=EVENT_TYPE)
    changed = []
    for message in messages.only("id", "attachments"):
        attachments = [
            {**item, "path": new + item["path"][len(old) :]}
            if str(item.get("path", "")).startswith(old)
            else item
            for item in message.attachments or []
        ]
        if attachments != message.attachments:
            message.attachments = attachments
            changed.append(message)
    OutboxMessage.objects.bulk_update(changed, ["attachments"], batch_size=500)


def report_dir_rename(*, account, old_slug: str) -> None:
    """Move SLA_REPORT_DIR/<old_slug>/ to SLA_REPORT_DIR/<account.slug>/ and rewrite the
    stored paths of the account's reports and pending report emails.

    A rename of the whole directory when the new one does not exist yet (the usual case);
    otherwise file by file. A crash between the move and the path update leaves rows that
    point to missing files: the daily job rebuilds those days (within the catch-up range).
    """
    new_slug = account.slug
    if not old_slug or old_slug == new_slug:
        return
    source, target = report_file(old_slug), report_file(new_slug)
    if source.is_dir():
        if target.exists():
            _move_files(source, target, new_slug=new_slug, account=account)
        else:
            os.replace(source, target)
    _rewrite_paths(account=account, old_slug=old_slug, new_slug=new_slug)
    logger.info("reports of account %s moved from %s/ to %s/", account.pk, old_slug, new_slug)


def report_dir_remove(*, slug: str) -> None:
    """Remove SLA_REPORT_DIR/<slug>/ of a deleted account: all of it, or, if some other
    account's rows still claim files there, every file but those."""
    if not slug:
        return
    directory = report_file(slug)
    if not directory.is_dir():
        return
    claimed = _claimed_paths(prefix=f"{slug}/")
    if not claimed:
        shutil.rmtree(directory)
        return
    for path in directory.iterdir():
        if path.is_file() and f"{slug}/{path.name}" not in claimed:
            path.unlink()
    logger.warning("%s kept: %s files of it belong to another account", directory, len(claimed))
