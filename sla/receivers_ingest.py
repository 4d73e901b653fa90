"""Receivers that keep incidents and uptime snapshots honest when history changes.

Ingestion marks its own changes inside its transaction; these receivers cover every other
source: `status_history_changed` from other senders, downtimes created, moved or deleted,
services moving between groups, and groups changing their aggregation.
"""

from functools import partial

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from sla.models import Downtime, Service, ServiceGroup
from sla.services.ingest import INGEST_SENDER, history_changed_notify
from sla.services.marks import (
    marks_dirty_existing,
    marks_for_group_definition,
    marks_for_group_membership,
    marks_upsert,
)
from sla.services.results import period_results_mark_group_stale
from sla.signals import status_history_changed

DOWNTIME_SENDER = "sla.downtime_changed"


@receiver(status_history_changed)
def _mark_history_changed(sender, account, changes, **kwargs):
    if sender in (INGEST_SENDER, DOWNTIME_SENDER):
        return  # already marked where the change was written
    marks_upsert(
        account=account,
        subject="service",
        # results_from: sla.receivers marks the stored results stale for the same change
        marks={service_id: (None, since, since, since) for service_id, since in changes.items()},
    )


# --------------------------------------------------------------------------- downtimes


@receiver(pre_save, sender=Downtime)
def _downtime_remember(sender, instance: Downtime, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._rollup_previous = Downtime.objects.filter(pk=instance.pk).first()


def _downtime_subjects(downtime: Downtime) -> tuple[Q, Q]:
    """(marks to dirty, services whose history changed) for a downtime."""
    if downtime.service_id:
        return Q(service_id=downtime.service_id), Q(pk=downtime.service_id)
    if downtime.group_id:
        return (
            Q(group_id=downtime.group_id) | Q(service__group_id=downtime.group_id),
            Q(group_id=downtime.group_id),
        )
    return Q(), Q()


@receiver(post_save, sender=Downtime)
@receiver(post_delete, sender=Downtime)
def _downtime_changed(sender, instance: Downtime, raw=False, **kwargs):
    if raw:
        return
    versions = [instance]
    previous = getattr(instance, "_rollup_previous", None)
    if previous is not None:
        versions.append(previous)
    changes = {}
    for downtime in versions:
        marks, services = _downtime_subjects(downtime)
        marks_dirty_existing(account=downtime.account, subjects=marks, since=downtime.start)
        service_ids = Service.objects.for_account(downtime.account).filter(services)
        for service_id in service_ids.values_list("id", flat=True):
            if service_id not in changes or downtime.start < changes[service_id]:
                changes[service_id] = downtime.start
    if changes:
        transaction.on_commit(
            partial(history_changed_notify, instance.account, changes, sender=DOWNTIME_SENDER),
            robust=True,
        )


# --------------------------------------------------------------------------- groups
# A group's derived timeline changes over its whole history when its members or its
# aggregation change: rollups (marks) and stored SLA results of the group are redone.


@receiver(pre_save, sender=Service)
def _service_remember_group(sender, instance: Service, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._rollup_previous_group = (
            Service.objects.filter(pk=instance.pk).values_list("group_id", flat=True).first()
        )


@receiver(post_save, sender=Service)
def _service_group_changed(sender, instance: Service, created=False, raw=False, **kwargs):
    if raw or created:
        return
    previous = getattr(instance, "_rollup_previous_group", None)
    if previous != instance.group_id:
        groups = [previous, instance.group_id]
        marks_for_group_membership(account=instance.account, service=instance, group_ids=groups)
        period_results_mark_group_stale(account=instance.account, group_ids=groups)


@receiver(post_delete, sender=Service)
def _service_deleted(sender, instance: Service, **kwargs):
    if instance.group_id:
        # The group's derived timeline loses a member over its whole history.
        marks_for_group_definition(account=instance.account, group_id=instance.group_id)
        period_results_mark_group_stale(account=instance.account, group_ids=[instance.group_id])


@receiver(pre_save, sender=ServiceGroup)
def _group_remember_definition(sender, instance: ServiceGroup, raw=False, **kwargs):
    if instance.pk is not None and not raw:
        instance._rollup_previous_definition = (
            ServiceGroup.objects.filter(pk=instance.pk)
            .values_list("aggregation", "k", "parent_id")
            .first()
        )


@receiver(post_save, sender=ServiceGroup)
def _group_definition_changed(sender, instance: ServiceGroup, created=False, raw=False, **kwargs):
    if raw or created:
        return
    previous = getattr(instance, "_rollup_previous_definition", None)
    if previous is not None and previous != (instance.aggregation, instance.k, instance.parent_id):
        # Its own history and that of every group above it, old place and new.
        former_parent = [previous[2]] if previous[2] else []
        marks_for_group_definition(
            account=instance.account, group_id=instance.pk, also=former_parent
        )
        period_results_mark_group_stale(
            account=instance.account, group_ids=[instance.pk, *former_parent]
        )
