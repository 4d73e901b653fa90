"""How the admin shows numbers and instants: small helpers any admin class can reuse.

- Decimals as written: a target stored as 99.500000 (a DecimalField with 6 places) shows
  and edits as "99.5" (`WrittenDecimalField`, used for every DecimalField of the tenant
  admin through `DECIMAL_FORMFIELD_OVERRIDES`).
- Instants in ISO 8601 in the operator's zone (accounts.operator_time), its name in the
  column header: "started at (Europe/Berlin)" over "2026-12-02T17:21:05+01:00"
  (`instant_text`, and `IsoInstantsMixin` for the datetime columns of change lists).
- Date-time inputs with the zone they are read in beside them (`ZoneLabelledSplitDateTime`).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from sla.engine.spec import format_decimal


class WrittenDecimalField(forms.DecimalField):
    """A DecimalField whose value is shown as written: no padding zeros."""

    def prepare_value(self, value):
        if value is None or value == "" or isinstance(value, str):
            return value
        return format_decimal(value)


DECIMAL_FORMFIELD_OVERRIDES = {models.DecimalField: {"form_class": WrittenDecimalField}}


def account_zone(obj) -> ZoneInfo:
    """The time zone of the row's account (UTC without one)."""
    account = getattr(obj, "account", None)
    name = getattr(account, "timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def instant_text(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """ISO 8601 with the zone's offset, seconds precision: 2026-12-02T17:21:05+01:00."""
    if value is None:
        return "–"
    return value.astimezone(zone).replace(microsecond=0).isoformat()


def iso_instant_column(field_name: str, label: str):
    """A list/read-only column showing a datetime field in ISO form in the operator's zone
    (the active one), the zone's name in the header."""
    zone = timezone.get_current_timezone()

    @admin.display(description=f"{label} ({zone})", ordering=field_name)
    def column(obj):
        return instant_text(getattr(obj, field_name), zone)

    column.__name__ = f"{field_name}_iso"
    return column


def written_decimal_column(field_name: str, label: str):
    """A list column showing a decimal field as written (99.5, not 99.50000)."""

    @admin.display(description=label, ordering=field_name)
    def column(obj):
        value = getattr(obj, field_name)
        return "–" if value is None else format_decimal(value)

    column.__name__ = f"{field_name}_written"
    return column


class ZoneLabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date + time inputs, followed by the zone the typed time is read in."""

    def render(self, name, value, attrs=None, renderer=None):
        from accounts.operator_time import zone_label

        inputs = super().render(name, value, attrs, renderer)
        return format_html(
            '{}<p class="zone-label">Time zone: <strong>{}</strong></p>',
            inputs,
            zone_label(self.zone_name),
        )

    zone_name = None  # None: the active (operator's) zone


DATETIME_FORMFIELD_OVERRIDES = {
    models.DateTimeField: {
        "form_class": forms.SplitDateTimeField,
        "widget": ZoneLabelledSplitDateTime,
    }
}


class IsoInstantsMixin:
    """Change-list columns: datetimes in ISO form in the row's account zone, decimals as
    written."""

    def _iso(self, names):
        fields = {field.name: field for field in self.model._meta.get_fields()}
        converted = []
        for name in names:
            field = fields.get(name) if isinstance(name, str) else None
            if isinstance(field, models.DateTimeField):
                converted.append(iso_instant_column(name, str(field.verbose_name)))
            elif isinstance(field, models.DecimalField):
                converted.append(written_decimal_column(name, str(field.verbose_name)))
            else:
                converted.append(name)
        return converted

    def get_list_display(self, request):
        return self._iso(super().get_list_display(request))
