"""Writes of saved SLA views: a view and its columns, all or nothing."""

from django.db import transaction

from slaviews.models import SLAView, SLAViewColumn


@transaction.atomic
def sla_view_save(*, account, view: SLAView | None, fields: dict, columns: list | None) -> SLAView:
    """Create or update a view and (when given) replace its column SLAs, in order. The
    caller has validated everything: nothing is half-written."""
    view = view or SLAView(account=account)
    for name, value in fields.items():
        setattr(view, name, value)
    view.full_clean()
    view.save()
    if columns is not None:
        view.columns.all().delete()
        SLAViewColumn.objects.bulk_create(
            SLAViewColumn(account=account, view=view, sla=sla, position=position)
            for position, sla in enumerate(columns)
        )
    return view
