"""django-filter, account-aware: a filter that names another row (`?group=7`) chooses only
among the request account's rows, so another account's id behaves exactly like an id that
does not exist (no existence oracle)."""

from django import forms
from django.db import models
from django_filters import Filter, ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.context import api_account
from accounts.querysets import TenantModel
from slaportal.instants import InstantError, parse_aware_instant


class InstantField(forms.Field):
    """An ISO 8601 instant with an offset, in the range every part of the system can hold,
    converted to UTC (an offset like +16:00 is valid ISO 8601 but not for PostgreSQL)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_aware_instant(str(value).replace(" ", "+"))
        except InstantError as error:
            raise forms.ValidationError(str(error)) from None


@extend_schema_field(OpenApiTypes.DATETIME)
class InstantFilter(Filter):
    """A filter on an instant (see InstantField); every datetime filter of the API."""

    field_class = InstantField


class AccountFilterSet(FilterSet):
    """FilterSet whose model-choice filters are limited to the request's account, and whose
    datetime filters take instants the way the rest of the API does."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.DateTimeField: {"filter_class": InstantFilter},
    }

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        account = api_account(request) if request is not None else None
        for model_filter in self.filters.values():
            if not isinstance(model_filter, ModelChoiceFilter | ModelMultipleChoiceFilter):
                continue
            model = model_filter.queryset.model if model_filter.queryset is not None else None
            if model is not None and issubclass(model, TenantModel):
                model_filter.queryset = model.objects.for_account(account)


class AccountFilterBackend(DjangoFilterBackend):
    """The default filter backend: filtersets generated from `filterset_fields` are
    account-aware too."""

    filterset_base = AccountFilterSet
