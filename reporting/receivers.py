"""An account's report directory follows the account: moved when its slug changes, removed
when it is deleted; after the commit only, so a rolled-back change moves nothing."""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import Account
from reporting.services.report_dirs import report_dir_remove, report_dir_rename

logger = logging.getLogger(__name__)


@receiver(pre_save, sender=Account)
def _account_remember_slug(sender, instance: Account, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "slug" not in update_fields):
        return
    instance._report_slug_before = (
        Account.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    )


@receiver(post_save, sender=Account)
def _account_slug_changed(sender, instance: Account, raw=False, **kwargs):
    old_slug = instance.__dict__.pop("_report_slug_before", None)
    if raw or old_slug is None or old_slug == instance.slug:
        return
    account_id = instance.pk

    def move() -> None:
        account = Account.objects.filter(pk=account_id).first()
        try:
            if account is not None:
                report_dir_rename(account=account, old_slug=old_slug)
        except Exception:  # the slug change is committed; files can be moved by hand
            logger.exception("reports of account %s not moved from %s/", account_id, old_slug)

    transaction.on_commit(move)


@receiver(post_delete, sender=Account)
def _account_deleted(sender, instance: Account, **kwargs):
    slug = instance.slug

    def remove() -> None:
        try:
            report_dir_remove(slug=slug)
        except Exception:  # the account is gone; its files can be removed by hand
            logger.exception("report directory of deleted account %s not removed", slug)

    transaction.on_commit(remove)
