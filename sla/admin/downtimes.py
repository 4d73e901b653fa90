"""Downtime admin: windows typed as wall-clock times in a stated zone.

A downtime's `timezone` applies to one-off windows as well as weekly ones: "02:00-03:00,
Europe/Berlin" is stored as the instants 01:00-02:00 UTC in winter and 00:00-01:00 UTC in
summer, and the status page (in its own zone) shows it back as the operator typed it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from accounts.admin_base import TenantAdminMixin
from accounts.operator_time import zone_choices
from sla.models import Downtime, Recurrence

WEEKDAY_CHOICES = [
    (str(number), name)
    for number, name in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
]


class WallClockWidget(AdminSplitDateTime):
    """Date and time inputs read in the zone chosen in the form's Timezone field (its name
    beside them; operator.js follows a change of the select)."""

    zone_name = "UTC"

    def render(self, name, value, attrs=None, renderer=None):
        inputs = super().render(name, value, attrs, renderer)
        return format_html(
            '{}<p class="zone-label">Time zone: <strong data-zone-from="timezone">{}</strong> '
            "(the Timezone field above)</p>",
            inputs,
            self.zone_name,
        )


class WallClockField(forms.SplitDateTimeField):
    """A date and a time, kept naive: the form reads them in its own Timezone field."""

    widget = WallClockWidget

    def compress(self, data_list):
        if not data_list or data_list[0] in self.empty_values:
            return None
        if data_list[1] in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(*data_list)


def wall_clock_to_instant(local: dt.datetime, zone_name: str, field: str) -> dt.datetime:
    """The instant of a wall-clock time in a zone. A time skipped by a DST change is an
    error naming the field; a time that occurs twice is its first occurrence."""
    zone = ZoneInfo(zone_name)
    instant = local.replace(tzinfo=zone, fold=0)
    if instant.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationError(
            {
                field: f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name} "
                "(the clocks skip it at the change to summer time)."
            }
        )
    return instant.astimezone(dt.UTC)


def instant_to_wall_clock(instant: dt.datetime | None, zone_name: str) -> dt.datetime | None:
    if instant is None:
        return None
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


class DowntimeAdminForm(forms.ModelForm):
    """Start and end in the downtime's zone; weekdays as checkboxes."""

    timezone = forms.ChoiceField(
        choices=zone_choices,
        help_text="Start, end and the weekly start time are wall-clock times in this zone "
        "(one-off and weekly windows alike).",
    )
    start = WallClockField(
        help_text="One-off: when the window begins. Weekly: the first day it applies."
    )
    end = WallClockField(
        required=False,
        help_text="One-off: when the window ends (required). Weekly: the last day it "
        "applies (empty: no end).",
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly: the days the window starts on.",
    )

    class Meta:
        model = Downtime
        fields = [
            "account",
            "reason",
            "service",
            "group",
            "public",
            "recurrence",
            "timezone",
            "start",
            "end",
            "weekdays",
            "time_from",
            "duration_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_name = self.data.get("timezone") or self.initial.get("timezone") or "UTC"
        for name in ("start", "end"):
            self.fields[name].widget.zone_name = zone_name
        if self.instance.pk:
            zone_name = self.instance.timezone
            self.initial["start"] = instant_to_wall_clock(self.instance.start, zone_name)
            self.initial["end"] = instant_to_wall_clock(self.instance.end, zone_name)
            self.initial["weekdays"] = [str(day) for day in self.instance.weekdays or []]

    def clean(self):
        cleaned = super().clean()
        zone_name = cleaned.get("timezone")
        if not zone_name:
            return cleaned
        for name in ("start", "end"):
            if cleaned.get(name) is not None:
                try:
                    cleaned[name] = wall_clock_to_instant(cleaned[name], zone_name, name)
                except ValidationError as error:
                    self.add_error(None, error)
        if cleaned.get("recurrence") == Recurrence.WEEKLY and not cleaned.get("weekdays"):
            self.add_error("weekdays", "Tick at least one weekday for a weekly downtime.")
        return cleaned


def window_text(downtime: Downtime) -> str:
    """ "2026-03-28 02:00 – 03:00 (Europe/Berlin)" or "weekly Mon, Thu 02:00 for 60 min ..."."""
    zone = downtime.timezone
    start = instant_to_wall_clock(downtime.start, zone)
    end = instant_to_wall_clock(downtime.end, zone)
    if downtime.recurrence == Recurrence.WEEKLY:
        days = ", ".join(WEEKDAY_CHOICES[day][1][:3] for day in sorted(downtime.weekdays or []))
        time_from = downtime.time_from.strftime("%H:%M") if downtime.time_from else "?"
        until = f" until {end:%Y-%m-%d}" if end else ""
        return (
            f"weekly {days} {time_from} for {downtime.duration_minutes} min, "
            f"from {start:%Y-%m-%d}{until} ({zone})"
        )
    end_text = f"{end:%H:%M}" if end and end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end_text} ({zone})"


@admin.register(Downtime)
class DowntimeAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = DowntimeAdminForm
    list_display = ["reason", "service", "group", "window", "recurrence", "public"]
    list_filter = ["recurrence", "public"]
    search_fields = ["reason"]
    date_hierarchy = "start"
    fieldsets = [
        (None, {"fields": ["account", "reason", "service", "group", "public"]}),
        ("When", {"fields": ["recurrence", "timezone", "start", "end"]}),
        (
            "Weekly windows",
            {
                "fields": ["weekdays", "time_from", "duration_minutes"],
                "description": "Only for a weekly downtime: on each ticked day at the start "
                "time (in the zone above) for the duration.",
            },
        ),
    ]

    @admin.display(description="window (in its time zone)", ordering="start")
    def window(self, downtime):
        return window_text(downtime)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("timezone", getattr(request, "operator_zone", "UTC"))
        return initial
