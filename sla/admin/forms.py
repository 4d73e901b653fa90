"""Admin forms: time periods and SLA options edited as fields, validated by the engine."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from accounts.operator_time import zone_choices
from sla.durations import DurationTextError, duration_text, parse_duration_text
from sla.engine import SpecError, parse_options, parse_time_period
from sla.engine.spec import format_decimal
from sla.models import Requirement, SLADefinition, TimePeriod
from sla.options_text import OPTION_TEXTS, option_help
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


class DurationTextField(forms.CharField):
    """A duration typed and shown as words: "10 min", "1 h 30 min", "45 s" (a bare number
    is seconds). Cleans to seconds (an int when whole)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "e.g. 10 min"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return duration_text(value)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            seconds = parse_duration_text(text)
        except DurationTextError as error:
            raise ValidationError(f"{self.label or 'Duration'}: {error}") from None
        return int(seconds) if seconds == seconds.to_integral_value() else float(seconds)


class SLADefinitionAdminForm(forms.ModelForm):
    """The evaluation options of SLA-SEMANTICS.md section 2, one field each with one line
    of help in plain words (sla.options_text)."""

    timezone = forms.ChoiceField(
        choices=zone_choices,
        help_text="Periods (days, months ...) and time periods follow the wall clock here.",
    )
    downtimes = forms.ChoiceField(
        label=OPTION_TEXTS["downtimes"].label,
        choices=[
            ("honor", "honor: count downtime as OK"),
            ("exclude", "exclude: leave downtime out"),
            ("ignore", "ignore: count the real state"),
        ],
        initial="honor",
        help_text=option_help("downtimes"),
    )
    downtime_ok_is_uptime = forms.BooleanField(
        label=OPTION_TEXTS["downtime_ok_is_uptime"].label,
        required=False,
        help_text=option_help("downtime_ok_is_uptime"),
    )
    warn_as = forms.ChoiceField(
        label=OPTION_TEXTS["warn_as"].label,
        choices=STATE_CHOICES,
        initial="WARN",
        help_text=option_help("warn_as"),
    )
    unknown_as = forms.ChoiceField(
        label=OPTION_TEXTS["unknown_as"].label,
        choices=STATE_CHOICES,
        initial="UNKNOWN",
        help_text=option_help("unknown_as"),
    )
    short_interval_seconds = DurationTextField(
        label=OPTION_TEXTS["short_interval_seconds"].label,
        required=False,
        initial=0,
        help_text=option_help("short_interval_seconds"),
    )
    merge_phases = forms.BooleanField(
        label=OPTION_TEXTS["merge_phases"].label,
        required=False,
        initial=True,
        help_text=option_help("merge_phases"),
    )
    include_unmonitored = forms.BooleanField(
        label=OPTION_TEXTS["include_unmonitored"].label,
        required=False,
        help_text=option_help("include_unmonitored"),
    )
    outage_split = forms.ChoiceField(
        label=OPTION_TEXTS["outage_split"].label,
        choices=[("per_period", "per period"), ("start_period", "in the period it started")],
        initial="per_period",
        help_text=option_help("outage_split"),
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
        if options.get("short_interval_seconds") is None:
            options["short_interval_seconds"] = 0
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


KIND_FIELDS = {
    "percentage": ("comparison", "target"),
    "outages": ("max_count", "min_duration_seconds"),
}
LEVELS_HELP = (
    "Percentage: percent of the error budget still left, e.g. WARN 50 and CRIT 20 turn "
    "the requirement WARN when half the budget is spent and CRIT when 20 % is left. "
    "Outage count: outages still allowed, e.g. WARN 1 and CRIT 0. Empty: no levels."
)


def _between(cleaned, name: str, label: str, low, high, errors: dict) -> None:
    value = cleaned.get(name)
    if value is not None and not low <= value <= high:
        errors[name] = f"{label} must be between {low} and {high} (got {format_decimal(value)})."


class RequirementAdminForm(forms.ModelForm):
    """One requirement: only its kind's fields count (the others are cleared, so a value
    left in a hidden field never makes an error); messages name the field and its range."""

    min_duration_seconds = DurationTextField(
        label="Shortest outage counted",
        required=False,
        help_text="Outages shorter than this are not counted, e.g. 5 min (empty: all).",
    )

    class Meta:
        model = Requirement
        fields = [
            "position",
            "title",
            "kind",
            "state",
            "comparison",
            "target",
            "max_count",
            "min_duration_seconds",
            "level_warn",
            "level_crit",
            "time_period",
        ]
        labels = {
            "target": "Target (percent)",
            "max_count": "Most outages allowed",
            "level_warn": "WARN level",
            "level_crit": "CRIT level",
            "comparison": "Time in the state must be",
        }
        help_texts = {
            "target": "0 to 100, as written: 99.9 means 99.9 % of the time (43 min a month).",
            "max_count": "More outages than this in a period break the SLA.",
            "state": "Percentage: the state whose time is measured. Outages: the state an "
            "outage is in (usually CRIT).",
        }

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        for other_kind, names in KIND_FIELDS.items():
            if kind and other_kind != kind:
                for name in names:
                    cleaned[name] = "" if name == "comparison" else None
        errors = {}
        if kind == "percentage":
            for name, label in (("comparison", "Comparison"), ("target", "Target")):
                if cleaned.get(name) in (None, ""):
                    errors[name] = f"{label} is required for a percentage requirement."
            _between(cleaned, "target", "Target", 0, 100, errors)
            for name, label in (("level_warn", "WARN level"), ("level_crit", "CRIT level")):
                _between(cleaned, name, label, 0, 100, errors)
        elif kind == "outages" and cleaned.get("max_count") is None:
            errors["max_count"] = "Most outages allowed is required for an outage count."
        self._check_levels(cleaned, errors)
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned

    def _check_levels(self, cleaned, errors: dict) -> None:
        warn, crit = cleaned.get("level_warn"), cleaned.get("level_crit")
        if (warn is None) != (crit is None):
            errors.setdefault("level_crit", "Give both levels (WARN and CRIT) or neither.")
        elif warn is not None and crit > warn and "level_crit" not in errors:
            errors["level_crit"] = (
                f"CRIT level must be at most the WARN level ({format_decimal(warn)}): "
                "CRIT means less budget left than WARN."
            )

    def _post_clean(self):
        # The form's own messages name the field and the range; the model's engine check
        # would repeat them in its words, so it runs only on an otherwise valid row.
        if self._errors:
            return
        super()._post_clean()


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
