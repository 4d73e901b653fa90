"""Admin forms: time periods and SLA options edited as fields, validated by the engine."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from sla.engine import SpecError, parse_options, parse_time_period
from sla.models import SLADefinition, TimePeriod
from sla.services.definitions import sla_validate

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXCEPTION_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*:\s*(.*)$")


def _split_ranges(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text or "") if part.strip()]


def _exceptions_from_text(text: str) -> dict:
    exceptions = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = EXCEPTION_LINE.match(line)
        if not match:
            raise ValidationError(
                {"exceptions": f"Line {number}: write 'YYYY-MM-DD: 08:00-12:00' or 'YYYY-MM-DD:'"}
            )
        exceptions[match.group(1)] = _split_ranges(match.group(2))
    return exceptions


def _exceptions_to_text(exceptions: dict) -> str:
    return "\n".join(f"{day}: {', '.join(ranges)}".rstrip() for day, ranges in exceptions.items())


def _day_field() -> forms.CharField:
    return forms.CharField(
        required=False, help_text="e.g. 08:00-12:00, 13:00-18:00 (24:00 allowed as an end)"
    )


class TimePeriodAdminForm(forms.ModelForm):
    """One text field per weekday ("08:00-12:00, 13:00-18:00") and one line per exception."""

    exceptions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One date per line: '2024-12-25:' is a holiday, "
        "'2024-12-24: 08:00-12:00' replaces that day's ranges.",
    )

    class Meta:
        model = TimePeriod
        fields = ["account", "name"]

    monday = _day_field()
    tuesday = _day_field()
    wednesday = _day_field()
    thursday = _day_field()
    friday = _day_field()
    saturday = _day_field()
    sunday = _day_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        definition = self.instance.definition or {}
        for day in WEEKDAYS:
            self.fields[day].initial = ", ".join(definition.get(day, []))
        self.fields["exceptions"].initial = _exceptions_to_text(definition.get("exceptions", {}))

    def clean(self):
        cleaned = super().clean()
        definition = {day: _split_ranges(cleaned.get(day, "")) for day in WEEKDAYS}
        definition = {day: ranges for day, ranges in definition.items() if ranges}
        exceptions = _exceptions_from_text(cleaned.get("exceptions", ""))
        if exceptions:
            definition["exceptions"] = exceptions
        try:
            parse_time_period(definition, "definition")
        except SpecError as error:
            raise ValidationError({_time_period_field(error.field): error.message}) from None
        self.instance.definition = definition
        return cleaned


def _time_period_field(spec_field: str) -> str:
    for day in WEEKDAYS:
        if f".{day}" in spec_field:
            return day
    return "exceptions" if "exceptions" in spec_field else "__all__"


STATE_CHOICES = [(state, state) for state in ("OK", "WARN", "CRIT", "UNKNOWN")]


class SLADefinitionAdminForm(forms.ModelForm):
    """The evaluation options of SLA-SEMANTICS.md section 2, one field each."""

    downtimes = forms.ChoiceField(
        choices=[("honor", "honor (count as OK)"), ("exclude", "exclude"), ("ignore", "ignore")],
        initial="honor",
    )
    downtime_ok_is_uptime = forms.BooleanField(
        required=False, help_text="A raw OK during a downtime counts as if no downtime were there"
    )
    warn_as = forms.ChoiceField(choices=STATE_CHOICES, initial="WARN")
    unknown_as = forms.ChoiceField(choices=STATE_CHOICES, initial="UNKNOWN")
    short_interval_seconds = forms.FloatField(
        min_value=0, initial=0, help_text="Melt inner spans up to this long (0 = off)"
    )
    merge_phases = forms.BooleanField(required=False, initial=True)
    include_unmonitored = forms.BooleanField(
        required=False, help_text="Count time before the first event as UNKNOWN"
    )
    outage_split = forms.ChoiceField(
        choices=[("per_period", "per period"), ("start_period", "in the period it started")],
        initial="per_period",
    )
    service_period = forms.ChoiceField(
        required=False,  # left out: the default
        choices=[("honor", "honor (only the service time counts)"), ("ignore", "ignore")],
        initial="honor",
        help_text="The service's own service time (a time period of the service)",
    )
    notification_period = forms.ChoiceField(
        required=False,  # left out: the default
        choices=[("ignore", "ignore"), ("honor", "honor (only the notification period counts)")],
        initial="ignore",
        help_text="The service's notification period (a time period of the service)",
    )
    flapping = forms.ChoiceField(
        required=False,  # left out: the default
        choices=[("ignore", "ignore"), ("consider", "consider (class FLAPPING)")],
        initial="ignore",
        help_text="Flapping time (flag of the events or detection) counts against min "
        "requirements and is no outage",
    )
    flap_changes = forms.IntegerField(
        required=False,
        label="Flap detection: changes",
        help_text="Flapping when at least this many state changes (>= 2) lie in the window; "
        "empty: no detection (the events' flags only)",
    )
    flap_window_seconds = forms.DecimalField(
        required=False, label="Flap detection: window (seconds)", help_text="> 0"
    )

    OPTION_FIELDS = (
        "downtimes",
        "downtime_ok_is_uptime",
        "warn_as",
        "unknown_as",
        "short_interval_seconds",
        "merge_phases",
        "include_unmonitored",
        "outage_split",
        "service_period",
        "notification_period",
        "flapping",
    )
    # Spec fields of flap_detection -> the form fields that hold them.
    DETECTION_FIELDS = {"changes": "flap_changes", "window_seconds": "flap_window_seconds"}

    class Meta:
        model = SLADefinition
        fields = ["account", "title", "description", "period", "timezone", "time_period"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            stored = self.instance.options or {}
            for name in self.OPTION_FIELDS:
                if name in stored:
                    self.initial[name] = stored[name]
            for key, name in self.DETECTION_FIELDS.items():
                if stored.get("flap_detection"):
                    self.initial[name] = stored["flap_detection"].get(key)

    def clean(self):
        cleaned = super().clean()
        options = {name: cleaned[name] for name in self.OPTION_FIELDS if name in cleaned}
        for name in ("service_period", "notification_period", "flapping"):
            if not options.get(name):
                options.pop(name, None)  # not sent (an older form): the default
        detection = {
            key: cleaned.get(name)
            for key, name in self.DETECTION_FIELDS.items()
            if cleaned.get(name) is not None
        }
        if detection:
            options["flap_detection"] = detection
        try:
            parse_options(options, "options")
        except SpecError as error:
            raise ValidationError({self._form_field(error.field): error.message}) from None
        if detection:  # stored as JSON: the window as the number it was written as
            window = detection.get("window_seconds")
            detection["window_seconds"] = int(window) if window == int(window) else float(window)
        self.instance.options = options
        return cleaned

    def _form_field(self, spec_field: str) -> str:
        """The form field holding an option the engine refused, so the error sits there."""
        name = spec_field.rsplit(".", 1)[-1]
        if name in self.DETECTION_FIELDS:
            return self.DETECTION_FIELDS[name]
        return name if name in self.fields else "__all__"


class RequirementFormSet(BaseInlineFormSet):
    """At least one requirement, and the whole SLA must be a valid engine spec."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The row belongs to its SLA's account before it is validated, so TenantModel.clean
        # refuses a time period of another account.
        form.instance.account_id = self.instance.account_id
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError("An SLA needs at least one requirement.")
        try:
            sla_validate(sla=self.instance, requirements=kept)
        except ValidationError as error:
            raise ValidationError(
                [
                    f"{field}: {message}"
                    for field, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from None
