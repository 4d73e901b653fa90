"""Which Prometheus an agreement asks: its own source, else the account's source flagged
default, else (as before the flag) its only source or the one named ``default``, else
PROMETHEUS_ADDRESS."""

import pytest

from agreements.models import Agreement
from agreements.services.assessment import agreements_assess
from agreements.services.definitions import agreement_create
from agreements.services.prometheus import account_default_source, target_for
from integrations.prometheus.services.sources import source_save
from tests.factories import PrometheusSourceFactory

pytestmark = pytest.mark.django_db


def asked(account, agreement: Agreement) -> str | None:
    target = target_for(agreement, account_default_source(account))
    return None if target is None else target.label


def test_resolution_order(tenants, settings):
    settings.PROMETHEUS_ADDRESS = "http://prometheus.internal:9090"
    account = tenants.a
    without_source = Agreement(account=account)
    assert asked(account, without_source) == "PROMETHEUS_ADDRESS"
    settings.PROMETHEUS_ADDRESS = ""
    assert asked(account, without_source) is None

    only = PrometheusSourceFactory(account=account, name="only")
    assert asked(account, without_source) == "only"  # the only source
    named = PrometheusSourceFactory(account=account, name="default")
    PrometheusSourceFactory(account=account, name="other")
    assert asked(account, without_source) == "default"  # several: the one named default
    flagged = PrometheusSourceFactory(account=account, name="flagged")
    source_save(account=account, source=_flag(flagged))
    assert asked(account, without_source) == "flagged"  # the flag beats the name
    assert asked(account, Agreement(account=account, source=only)) == "only"  # its own wins

    source_save(account=account, source=_flag(named, False))  # still named default
    source_save(account=account, source=_flag(flagged, False))
    assert asked(account, without_source) == "default"
    # Another account's default is never this account's.
    PrometheusSourceFactory(account=tenants.b, name="theirs", is_default=True)
    named.delete()
    assert asked(account, without_source) is None


def _flag(source, value: bool = True):
    source.is_default = value
    return source


def test_an_assessment_asks_the_flagged_default(tenants, source, allow_datasources):
    # A source named "default" that cannot answer: only the flag makes the round judged.
    PrometheusSourceFactory(account=tenants.a, name="default")
    agreement = agreement_create(
        account=tenants.a, name="Flagged", guarantees=[{"name": "g", "query": "[vector(1)] == 1"}]
    )
    agreements_assess(account=tenants.a, agreements=[agreement])
    agreement.refresh_from_db()
    assert agreement.last_outcome == "unknown" and "cannot connect" in agreement.last_unknown_reason
    source_save(account=tenants.a, source=_flag(source))
    agreements_assess(account=tenants.a, agreements=[agreement])
    agreement.refresh_from_db()
    assert (agreement.last_outcome, agreement.level) == ("met", "Met")
