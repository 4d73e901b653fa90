"""Every model has a factory, and every factory builds a valid, account-consistent row."""

import pytest
from django.apps import apps

from accounts.models import TenantModel
from tests.factories import FACTORIES, AccountFactory, factory_for

pytestmark = pytest.mark.django_db
PROJECT_APPS = {"accounts", "sla", "reporting", "statuspage", "prometheus", "audit", "agreements"}


def _is_history_table(model) -> bool:
    # django-simple-history's version tables (HistoricalSLADefinition ...): generated, and
    # written only by their model's saves (tests/audit checks them, account included).
    return getattr(model, "instance_type", None) is not None


def _project_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not model._meta.abstract
        and not _is_history_table(model)
    ]


@pytest.mark.parametrize("model", _project_models(), ids=lambda model: model.__name__)
def test_every_model_has_a_factory_and_a_docstring(model):
    assert model in FACTORIES, f"add a factory for {model.__name__} under tests/factories/"
    assert model.__doc__ and not model.__doc__.startswith(f"{model.__name__}("), (
        f"{model.__name__} needs a docstring"
    )


@pytest.mark.parametrize("model", _project_models(), ids=lambda model: model.__name__)
def test_factory_rows_stay_in_one_account(model):
    if not issubclass(model, TenantModel):
        return
    account = AccountFactory()
    row = factory_for(model)(account=account)
    assert row.account_id == account.pk
    assert row.cross_account_references() == []
