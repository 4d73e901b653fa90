"""The agreement detail page of the dashboard: level, counters, the level timeline,
guarantees with their last values, the latest violations."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.context import ui_account
from agreements.models import Agreement
from agreements.selectors import STATE_CLASS, level_timeline, violations_of

TIMELINE_HOURS = 24


@login_required
def agreement_detail(request, agreement_pk: int):
    account = ui_account(request)
    if account is None:
        raise Http404("Not found.")
    agreement = get_object_or_404(
        Agreement.objects.for_account(account).select_related("service"), pk=agreement_pk
    )
    now = timezone.now()
    start = now - dt.timedelta(hours=TIMELINE_HOURS)
    context = {
        "account": account,
        "agreement": agreement,
        "level_class": STATE_CLASS[agreement.level],
        "hours": TIMELINE_HOURS,
        "segments": level_timeline(agreement=agreement, start=start, end=now),
        "changes": list(agreement.level_changes.order_by("-at", "-pk")[:50]),
        "guarantees": list(agreement.guarantees.order_by("position", "pk")),
        "violations": list(violations_of(account=account, agreement=agreement)[:20]),
    }
    return render(request, "agreements/detail.html", context)
