"""Admin pages beyond CRUD: the SLA detail page of a service and an SLA's results table."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from sla.display import format_percent
from sla.models import SLADefinition
from sla.selectors.detail import service_sla_detail, sla_overview
from slaportal.api.params import clamped_int, clamped_ints

DEFAULT_PERIODS = 6
MAX_PERIODS = 24


def _visible_object(model_admin, request, object_id):
    obj = model_admin.get_queryset(request).filter(pk=object_id).first()
    if obj is None or not model_admin.has_view_permission(request, obj):
        raise Http404("Not found.")
    return obj


def service_sla_view(model_admin):
    """/admin/sla/service/<id>/sla/?sla=&periods=&period= : Checkmk-style detail page."""

    def view(request, object_id):
        service = _visible_object(model_admin, request, object_id)
        slas = SLADefinition.objects.for_account(service.account)
        chosen = slas.filter(pk=clamped_int(request, "sla", 0, 0, 2**62)).first()
        periods = clamped_int(request, "periods", DEFAULT_PERIODS, 1, MAX_PERIODS)
        detail = service_sla_detail(
            account=service.account,
            service=service,
            sla=chosen,
            periods=periods,
            selected_indexes=clamped_ints(request, "period", 0, MAX_PERIODS),
            now=timezone.now(),
        )
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"SLA of {service.display_name}",
            "detail": detail,
            "slas": slas,
            "periods": periods,
            "format_percent": format_percent,
        }
        return render(request, "admin/sla/service_sla.html", context)

    return view


def sla_overview_view(model_admin):
    """/admin/sla/sladefinition/<id>/results/ : services x last N periods."""

    def view(request, object_id):
        sla = _visible_object(model_admin, request, object_id)
        periods = clamped_int(request, "periods", DEFAULT_PERIODS, 1, MAX_PERIODS)
        overview = sla_overview(account=sla.account, sla=sla, periods=periods, now=timezone.now())
        headers = overview[0].rows if overview else []
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": f"Results of {sla.title}",
            "sla": sla,
            "overview": overview,
            "headers": headers,
            "periods": periods,
        }
        return render(request, "admin/sla/sla_results.html", context)

    return view
