"""The operator dashboard (server-rendered, login required, no JavaScript): overview, the
SLA tables, a service's SLA detail page, and report downloads.

The account is `accounts.context.ui_account(request)`; every object is looked up inside
it, so another account's service, SLA or report is a 404. With the SLA feature off the
SLA widgets are left out and the SLA pages and report downloads are 404.
"""

import datetime as dt
import mimetypes
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.context import ui_account
from accounts.features import sla_enabled
from accounts.selectors import accounts_for_user
from licensing.selectors import license_notice
from reporting.charts import Series, group_colours, rate_chart_svg, uptime_trend_svg
from reporting.models import DailyReport
from reporting.selectors.dashboard import sla_assignments, sla_table, sla_tables
from reporting.selectors.overview import dashboard_overview
from reporting.selectors.sli import (
    SLIRow,
    chart_range,
    nines_rows,
    request_rate_series,
    request_window_figures,
    slo_rate_series,
    slo_row,
    slo_window_figures,
)
from reporting.selectors.trend import uptime_trend
from reporting.services.reports import report_file
from sla.burn_down import slo_burn_down_svg
from sla.models import Service, SLADefinition
from sla.models.slo import REQUEST_SLI_KINDS
from sla.selectors.budgets import sla_requirement_budgets
from sla.selectors.detail import service_sla_detail
from sla.selectors.slo import slo_list, slo_status, slo_statuses
from slaportal.api.params import clamped_int, clamped_ints

TREND_DAYS = (30, 90)
CHART_CHOICES = (("1h", "1 hour"), ("1d", "1 day"), ("30d", "30 days"))
DEFAULT_PERIODS = 6
MAX_PERIODS = 12
ROWS_ON_DASHBOARD = 20
ROWS_PER_PAGE = 100


def _account_or_none(request):
    account = ui_account(request)
    return account, list(accounts_for_user(user=request.user).order_by("name"))


def _no_account(request):
    return render(request, "dashboard/no_account.html", status=200)


def _trend_context(account, now: dt.datetime, days: int) -> dict:
    trend = uptime_trend(account=account, now=now, days=days)
    colours = group_colours(trend.group_names)
    series = [
        Series(str(item.group), tuple(item.uptime), colours.get(item.group.name, "#7f8c8d"))
        for item in trend.groups
    ]
    return {
        "svg": mark_safe(  # noqa: S308 - names are escaped inside
            uptime_trend_svg(series, trend.days, width=960, height=240)
        ),
        "legend": [
            {"name": line.name, "colour": line.colour, "group": item.group, "mean": item.mean}
            for line, item in zip(series, trend.groups, strict=True)
        ],
        "days": days,
        "shown": len(trend.groups),
        "total": trend.total_groups,
    }


@login_required
def dashboard(request):
    """/dashboard/: the overview, the SLA tables (worst first) and the trend chart."""
    account, accounts = _account_or_none(request)
    if account is None:
        return _no_account(request)
    now = timezone.now()
    days = clamped_int(request, "days", TREND_DAYS[0], 1, 400)
    days = days if days in TREND_DAYS else TREND_DAYS[0]
    periods = clamped_int(request, "periods", DEFAULT_PERIODS, 1, MAX_PERIODS)
    overview = dashboard_overview(account=account, now=now)
    tables = []
    if overview.sla_enabled:
        tables = sla_tables(
            account=account,
            assignments=overview.assignments,
            now=now,
            periods=periods,
            per_page=ROWS_ON_DASHBOARD,
        )
    context = {
        "account": account,
        "accounts": accounts,
        "now": now,
        "overview": overview,
        "tables": tables,
        "periods": periods,
        "trend": _trend_context(account, now, days),
        "trend_days": TREND_DAYS,
        "period_choices": range(1, MAX_PERIODS + 1),
        "report_time": settings.SLA_REPORT_TIME,
        "license_notice": license_notice(account=account, now=now),
    }
    return render(request, "dashboard/index.html", context)


def _sla_account(request):
    account = ui_account(request)
    if account is None or not sla_enabled(account):
        raise Http404("Not found.")
    return account


@login_required
def sla_results(request, sla_id: int):
    """/dashboard/slas/<id>/: every service of an SLA x its last N periods, paginated."""
    account = _sla_account(request)
    sla = get_object_or_404(SLADefinition.objects.for_account(account), pk=sla_id)
    assignments = sla_assignments(account=account)
    assigned = next((items for item, items in assignments.by_sla.items() if item.pk == sla.pk), [])
    periods = clamped_int(request, "periods", DEFAULT_PERIODS, 1, MAX_PERIODS)
    table = sla_table(
        account=account,
        sla=sla,
        services=assigned,
        requirements=assignments.requirements.get(sla.pk, []),
        now=timezone.now(),
        periods=periods,
        per_page=ROWS_PER_PAGE,
        page=clamped_int(request, "page", 1, 1, 10**6),
    )
    context = {
        "account": account,
        "table": table,
        "periods": periods,
        "period_choices": range(1, MAX_PERIODS + 1),
        "requirements": assignments.requirements.get(sla.pk, []),
    }
    return render(request, "dashboard/sla_results.html", context)


@login_required
def service_sla(request, service_id: int):
    """/dashboard/services/<id>/sla/: the Checkmk-like SLA detail of one service."""
    account = _sla_account(request)
    service = get_object_or_404(
        Service.objects.for_account(account).select_related("group"), pk=service_id
    )
    slas = SLADefinition.objects.for_account(account).order_by("title")
    chosen = slas.filter(pk=clamped_int(request, "sla", 0, 0, 2**62)).first()
    periods = clamped_int(request, "periods", DEFAULT_PERIODS, 1, 24)
    now = timezone.now()
    detail = service_sla_detail(
        account=account,
        service=service,
        sla=chosen,
        periods=periods,
        selected_indexes=clamped_ints(request, "period", 0, 24),
        now=now,
    )
    budgets = []
    if detail.sla is not None:
        budgets = sla_requirement_budgets(account=account, sla=detail.sla, service=service, now=now)
    slos = list(slo_list(account=account).filter(service=service))
    statuses = slo_statuses(account=account, slos=slos, now=now) if slos else {}
    context = {
        "account": account,
        "service": service,
        "detail": detail,
        "slas": slas,
        "periods": periods,
        "budgets": budgets,
        "slo_statuses": [statuses[slo.pk] for slo in slos],
        **_service_time_views(request, account, service, slos, detail.sla, now),
    }
    return render(request, "dashboard/service_sla.html", context)


def _service_time_views(request, account, service, slos, sla, now) -> dict:
    """The SLIs side by side, the request-rate/error-rate chart and the nines table."""
    requests = request_window_figures(account=account, service_ids=[service.pk], now=now)
    rows = []
    if requests[-1].total:
        rows.append(SLIRow("Requests not 5xx", "requests", None, requests))
    figures = slo_window_figures(account=account, slos=slos, now=now) if slos else {}
    for slo in slos:
        link = reverse("dashboard:slo-detail", args=[slo.pk])
        rows.append(slo_row(slo, figures[slo.pk], link))
    chart_name, length, step = chart_range(request.GET.get("chart"))
    chart = None
    if requests[-1].total:
        points = request_rate_series(
            account=account, service_ids=[service.pk], now=now, length=length, step=step
        )
        chart = mark_safe(rate_chart_svg(points, zone=ZoneInfo(account.timezone)))  # noqa: S308
    targets = []
    if sla is not None:
        for requirement in sla.requirements.all():
            if requirement.kind == "percentage" and requirement.target is not None:
                label = f"SLA {sla.title}: {requirement.title}"
                targets.append((label, requirement.target, requirement.comparison or "min"))
    targets += [(f"SLO {slo.name}", slo.target, "min") for slo in slos]
    return {
        "sli_rows": rows,
        "rate_chart": chart,
        "chart_title": "Request rate and error rate",
        "chart_name": chart_name,
        "chart_choices": CHART_CHOICES,
        "chart_query": _other_params(request),
        "nines": nines_rows(targets),
    }


def _other_params(request) -> str:
    """The page's other query parameters, for links that only change `chart`."""
    others = request.GET.copy()
    others.pop("chart", None)
    return "&" + others.urlencode() if others else ""


@login_required
def slo_detail(request, slo_id: int):
    """/dashboard/slos/<id>/: an SLO's budget, its SLI over 15 min ... 30 days side by side,
    the rate/bad-share chart from its buckets and the nines table of its target."""
    account = _sla_account(request)
    slo = get_object_or_404(slo_list(account=account), pk=slo_id)
    now = timezone.now()
    status = slo_status(account=account, slo=slo, now=now)
    figures = slo_window_figures(account=account, slos=[slo], now=now)[slo.pk]
    chart_name, length, step = chart_range(request.GET.get("chart"))
    points = slo_rate_series(account=account, slo=slo, now=now, length=length, step=step)
    by_requests = slo.sli_kind in REQUEST_SLI_KINDS
    chart = rate_chart_svg(
        points,
        zone=ZoneInfo(account.timezone),
        show_rate=by_requests,
        error_label="bad requests" if by_requests else "bad time",
    )
    context = {
        "account": account,
        "slo": slo,
        "status": status,
        "sli_rows": [slo_row(slo, figures)],
        "rate_chart": mark_safe(chart),  # noqa: S308 - numbers and times only
        "chart_title": "Request rate and bad requests" if by_requests else "Bad time",
        "chart_name": chart_name,
        "chart_choices": CHART_CHOICES,
        "chart_query": _other_params(request),
        "nines": nines_rows([(f"SLO {slo.name}", slo.target, "min")]),
        "burn_down": mark_safe(slo_burn_down_svg(slo, now=now)),  # noqa: S308 - numbers only
    }
    return render(request, "dashboard/slo_detail.html", context)


@login_required
def report_download(request, report_id: int, kind: str):
    """/dashboard/reports/<id>/<json|pdf>: a daily report file of the user's account."""
    account = _sla_account(request)
    report = get_object_or_404(DailyReport.objects.for_account(account), pk=report_id)
    return report_file_response(report, kind)


def report_file_response(report, kind: str, filename_slug: str = "") -> FileResponse:
    """The stored file of a daily report (the account's own or a pushed one) as an
    attachment; 404 when it is missing on disk."""
    if kind not in {"json", "pdf"}:
        raise Http404("Not found.")
    path = report_file(getattr(report, f"{kind}_path"))
    if not path.is_file():
        raise Http404("Not found.")
    slug = filename_slug or report.account.slug
    filename = f"sla-report-{slug}-{report.day.isoformat()}.{kind}"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=filename)
    response["Content-Type"] = mimetypes.types_map[f".{kind}"]
    response["X-Content-SHA256"] = getattr(report, f"{kind}_sha256")
    return response
