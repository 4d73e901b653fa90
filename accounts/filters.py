"""django-filter, account-aware: a filter that names another row (`?group=7`) chooses only
among the request account's rows, so another account's id behaves exactly like an id that
does not exist (no existence oracle)."""

from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

from accounts.context import api_account
from accounts.querysets import TenantModel


class AccountFilterSet(FilterSet):
    """FilterSet whose model-choice filters are limited to the request's account."""

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
