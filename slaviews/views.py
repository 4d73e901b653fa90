"""Dashboard pages of saved SLA views (server-rendered, no inline script or style) and
their CSV export; the figures are the API's (`slaviews.api.results_page_json`)."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.context import ui_account
from accounts.features import sla_enabled
from accounts.selectors import accounts_for_user
from slaportal.api.params import clamped_int
from slaviews.api import results_page_json
from slaviews.models import SLAView
from slaviews.selectors import sla_view_results

ROWS_PER_PAGE = 100
CSV_HEADER = ["group", "path", "name", "column", "sla", "period_start", "period_end", "state"]


def _account(request):
    account = ui_account(request)
    if account is None or not sla_enabled(account):
        raise Http404("Not found.")
    return account


def _accounts(request) -> list:
    return list(accounts_for_user(user=request.user).order_by("name"))


@login_required
def view_list(request):
    """/dashboard/sla-views/: the account's saved views."""
    account = _account(request)
    views = SLAView.objects.for_account(account).prefetch_related("columns")
    context = {"account": account, "accounts": _accounts(request), "views": views}
    return render(request, "slaviews/list.html", context)


def _view_results(request, view_id: int):
    account = _account(request)
    view = get_object_or_404(SLAView.objects.for_account(account), pk=view_id)
    return account, view, sla_view_results(account=account, view=view, now=timezone.now())


@login_required
def view_detail(request, view_id: int):
    """/dashboard/sla-views/<id>/: rows x SLA columns x periods, aggregates, summaries."""
    account, view, results = _view_results(request, view_id)
    page = clamped_int(request, "page", 1, 1, 10**6)
    body = results_page_json(results, page, ROWS_PER_PAGE)
    rows, previous_group = [], None
    for row in body["results"]:
        rows.append(
            {**row, "starts_group": view.grouping != "none" and row["group"] != previous_group}
        )
        previous_group = row["group"]
    context = {
        "account": account,
        "accounts": _accounts(request),
        "view": view,
        "body": body,
        "rows": rows,
        "pages": range(1, body["pages"] + 1),
    }
    return render(request, "slaviews/detail.html", context)


@login_required
def view_csv(request, view_id: int):
    """Every row of the view (no pagination), one line per (service, column, period)."""
    _, view, results = _view_results(request, view_id)
    body = results_page_json(results, 1, max(1, len(results.rows)))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sla-view-{view.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in body["results"]:
        service = row["service"]
        for cell in row["cells"]:
            for period in cell["periods"]:
                writer.writerow(
                    [
                        row["group"],
                        service["path"],
                        service["name"],
                        cell["column"],
                        "" if cell["sla"] is None else cell["sla"],
                        period["start"],
                        period["end"],
                        period["state"],
                    ]
                )
    return response
