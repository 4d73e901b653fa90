"""Cache invalidation: anything published on a page bumps that page's cache version.

Receivers bump at once (so the next request in this transaction's thread sees it, and
tests without commits do too) and again on commit (so a render that raced the commit and
cached the old rows is replaced). Downtimes belong to the SLA app; public ones are
maintenances, so any downtime change bumps the pages of its account.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from sla.models import Downtime, Incident
from sla.signals import incidents_ended
from statuspage import cache, hosts
from statuspage.models import (
    UNRESOLVED_STATUSES,
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    StatusPage,
    StatusPageComponent,
    StatusPageDomain,
)
from statuspage.selectors.pages import forget_pages

logger = logging.getLogger(__name__)


def bump_slugs(slugs) -> None:
    slugs = {slug for slug in slugs if slug}
    if not slugs:
        return
    cache.bump(slugs)
    transaction.on_commit(lambda: cache.bump(slugs))


def _slugs_of_page_ids(page_ids) -> list[str]:
    return list(StatusPage.objects.filter(pk__in=page_ids).values_list("slug", flat=True))


def _slugs_of_account(account_id) -> list[str]:
    return list(StatusPage.objects.filter(account_id=account_id).values_list("slug", flat=True))


@receiver(pre_save, sender=StatusPage)
def _remember_old_slug(sender, instance, **kwargs):
    if instance.pk:
        instance._previous_slug = (
            StatusPage.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        )


@receiver([post_save, post_delete], sender=StatusPage)
def _page_changed(sender, instance, **kwargs):
    slugs = [instance.slug, getattr(instance, "_previous_slug", None)]
    bump_slugs(slugs)
    forget_pages(slugs)
    transaction.on_commit(lambda: forget_pages(slugs))
    if instance.pk:
        hosts.forget(
            StatusPageDomain.objects.filter(page_id=instance.pk).values_list("domain", flat=True)
        )
    hosts.forget_all_local()


@receiver(pre_save, sender=StatusPageDomain)
def _remember_old_domain(sender, instance, **kwargs):
    if instance.pk:
        instance._previous_domain = (
            StatusPageDomain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        )


@receiver([post_save, post_delete], sender=StatusPageDomain)
def _domain_changed(sender, instance, **kwargs):
    hosts.forget([instance.domain, getattr(instance, "_previous_domain", None)])
    bump_slugs(_slugs_of_page_ids([instance.page_id]))


@receiver([post_save, post_delete], sender=ComponentGroup)
@receiver([post_save, post_delete], sender=StatusPageComponent)
@receiver([post_save, post_delete], sender=PublicIncident)
def _page_part_changed(sender, instance, **kwargs):
    bump_slugs(_slugs_of_page_ids([instance.page_id]))


@receiver([post_save, post_delete], sender=IncidentUpdate)
@receiver([post_save, post_delete], sender=PublicIncidentComponent)
def _incident_part_changed(sender, instance, **kwargs):
    page_ids = PublicIncident.objects.filter(pk=instance.incident_id).values_list(
        "page_id", flat=True
    )
    bump_slugs(_slugs_of_page_ids(list(page_ids)))


@receiver([post_save, post_delete], sender=MaintenanceUpdate)
@receiver([post_save, post_delete], sender=Downtime)
def _maintenance_changed(sender, instance, **kwargs):
    bump_slugs(_slugs_of_account(instance.account_id))


def _follow_ended(account, incident_ids) -> None:
    """Resolve the public incidents published from these automatic ones, which ended."""
    followed = set(
        PublicIncident.objects.filter(
            account=account,
            source_incident_id__in=incident_ids,
            follow_source=True,
            status__in=UNRESOLVED_STATUSES,
        ).values_list("source_incident_id", flat=True)
    )
    if not followed:
        return
    from statuspage.services import public_incidents_follow_source

    for incident in Incident.objects.for_account(account).filter(pk__in=followed):
        try:
            with transaction.atomic():  # a failure must not abort the caller's transaction
                public_incidents_follow_source(account=account, incident=incident)
        except Exception:  # never fail ingestion because of the public page
            logger.exception("could not resolve public incidents following %s", incident.pk)


@receiver(post_save, sender=Incident)
def _automatic_incident_saved(sender, instance, **kwargs):
    """Public incidents published from an automatic one resolve when it ends (a save)."""
    if instance.ended_at is not None:
        _follow_ended(instance.account, [instance.pk])


@receiver(incidents_ended, dispatch_uid="statuspage_follow_incidents")
def _automatic_incidents_ended(sender, account, incident_ids, **kwargs):
    """The same when the incidents refresh closes them (rows written in bulk, no save)."""
    _follow_ended(account, incident_ids)
