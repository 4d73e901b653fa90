"""Saved SLA views (Checkmk's SLA views): services x SLA columns x periods, per account."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import TenantModel

MAX_LAST_PERIODS = 60


def _validate_regex(value) -> None:
    from slaviews.validation import ViewError, check_path_regex

    try:
        check_path_regex(value)
    except ViewError as error:
        raise ValidationError(error.message) from None


def _validate_ranges(value) -> None:
    from slaviews.validation import ViewError, check_ranges

    if not isinstance(value, list):
        raise ValidationError('Give a list of {"from": ..., "to": ...} ranges.')
    try:
        check_ranges(value)
    except ViewError as error:
        raise ValidationError(f"{error.field}: {error.message}") from None


def _validate_states(value) -> None:
    from slaviews.validation import VIEW_STATES

    if not isinstance(value, list) or any(state not in VIEW_STATES for state in value):
        raise ValidationError(f"Give a list of states out of {', '.join(VIEW_STATES)}.")


def _validate_labels(value) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise ValidationError('Give labels as {"name": "value"}.')


class Grouping(models.TextChoices):
    NONE = "none", "no grouping"
    GROUP = "group", "by SLA group"
    PATH_PREFIX = "path_prefix", "by path prefix (first path segment)"


class SLAView(TenantModel):
    """A saved view: which services (filters), which SLA columns (the service-specific SLA
    of the first matching rule, and any number of fixed SLAs evaluated for every row),
    which periods (the last N of each column's SLA, or the periods overlapping from/to
    ranges) and how rows are grouped. Results come from stored period results."""

    name = models.CharField(max_length=200)
    path_glob = models.CharField(max_length=300, blank=True, help_text="e.g. payment/*")
    path_regex = models.CharField(
        max_length=300,
        blank=True,
        validators=[_validate_regex],
        help_text="Python regular expression, searched in the path",
    )
    group = models.ForeignKey(
        "sla.ServiceGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only members of this SLA group (nested members included)",
    )
    labels = models.JSONField(
        default=dict,
        blank=True,
        validators=[_validate_labels],
        help_text="Labels every row must have",
    )
    states = models.JSONField(
        default=list,
        blank=True,
        validators=[_validate_states],
        help_text="Current states to show (NONE: no data); empty: any",
    )
    only_outages = models.BooleanField(
        default=False,
        help_text="Only services with a WARN, CRIT or BROKEN result in a shown period",
    )
    service_sla = models.BooleanField(
        default=True, help_text="Show the service-specific SLA (the first matching rule's)"
    )
    last_periods = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LAST_PERIODS)],
        help_text="The current period and N-1 before it, per column's SLA",
    )
    ranges = models.JSONField(
        default=list,
        blank=True,
        validators=[_validate_ranges],
        help_text='Instead of last N: [{"from": ISO instant, "to": ISO instant}, ...]',
    )
    grouping = models.CharField(max_length=16, choices=Grouping.choices, default=Grouping.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="slaview_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.last_periods and self.ranges:
            raise ValidationError({"ranges": "Give last_periods or ranges, not both."})
        if not self.last_periods and not self.ranges:
            raise ValidationError({"last_periods": "Give last_periods or ranges."})


class SLAViewColumn(TenantModel):
    """A column-specific SLA of a view: one fixed SLA evaluated for every row."""

    view = models.ForeignKey(SLAView, on_delete=models.CASCADE, related_name="columns")
    sla = models.ForeignKey("sla.SLADefinition", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["view_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.view_id}: {self.sla_id}"
