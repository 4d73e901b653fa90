"""FilterSets of the SLA API lists (account-aware: see accounts.filters)."""

import django_filters
from django.db.models import TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from accounts.filters import AccountFilterSet, InstantFilter
from sla.engine import StateError, normalize_state
from sla.models import AssignmentRule, Downtime, Service, SLADefinition
from sla.validators import LABEL_KEY_RE


class ServiceFilter(AccountFilterSet):
    path = django_filters.CharFilter(lookup_expr="exact")
    path_prefix = django_filters.CharFilter(field_name="path", lookup_expr="startswith")
    state = django_filters.CharFilter(
        method="filter_state", help_text="OK, WARN, CRIT, UNKNOWN or an alias (WARNING, 2 ...)"
    )
    label = django_filters.CharFilter(method="filter_label", help_text="key=value")

    class Meta:
        model = Service
        fields = ["path", "group"]

    def filter_state(self, queryset, name, value):
        try:
            return queryset.filter(current_state=normalize_state(value))
        except StateError:
            return queryset.none()  # no such state: nothing is in it

    def filter_label(self, queryset, name, value):
        key, _, wanted = value.partition("=")
        if not LABEL_KEY_RE.match(key):
            return queryset.none()  # no valid label key: nothing can match
        # KeyTextTransform takes the key literally: "team", "app.kubernetes.io/name" or even
        # "isnull" are label names here, never ORM lookups.
        label_value = Cast(KeyTextTransform(key, "labels"), output_field=TextField())
        return queryset.annotate(_label_value=label_value).filter(_label_value=wanted)


class DowntimeFilter(AccountFilterSet):
    active_at = InstantFilter(
        method="filter_active_at", help_text="downtimes active at this instant (ISO 8601)"
    )

    class Meta:
        model = Downtime
        fields = ["service", "group", "recurrence", "public"]

    def filter_active_at(self, queryset, name, value):
        return queryset.filter(start__lte=value).exclude(end__lte=value)


class SLADefinitionFilter(AccountFilterSet):
    class Meta:
        model = SLADefinition
        fields = ["period", "time_period"]


class AssignmentRuleFilter(AccountFilterSet):
    class Meta:
        model = AssignmentRule
        fields = ["sla", "target", "group"]
