"""Factories of the Prometheus integration (integrations.prometheus)."""

import datetime as dt

import factory

from integrations.prometheus.models import (
    AlertmanagerAlert,
    AlertmanagerSettings,
    JobRun,
    PrometheusSource,
    PrometheusStatusRule,
    PromQLDay,
    PromQLGap,
    PromQLSLI,
)
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0, ServiceFactory
from tests.factories.slo import SLOFactory

# A documentation address (TEST-NET-1): the address guard refuses it at once, so generic
# tests that call a source's connection test never wait for the network.
UNREACHABLE_URL = "http://192.0.2.1:9090"


@register
class PrometheusSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrometheusSource

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"prometheus {n}")
    url = UNREACHABLE_URL
    timeout_seconds = 2


@register
class PromQLSLIFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromQLSLI

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(
        SLOFactory, account=factory.SelfAttribute("..account"), sli_kind="prometheus"
    )
    source = factory.SubFactory(PrometheusSourceFactory, account=factory.SelfAttribute("..account"))
    good_query = 'http_requests_total{code!~"5.."}'
    total_query = "http_requests_total"


@register
class PromQLDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromQLDay

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(
        SLOFactory, account=factory.SelfAttribute("..account"), sli_kind="prometheus"
    )
    day = factory.Sequence(lambda n: T0 + dt.timedelta(days=n))
    good = factory.LazyFunction(lambda: [None] * 288)
    total = factory.LazyFunction(lambda: [None] * 288)


@register
class PromQLGapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromQLGap

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(
        SLOFactory, account=factory.SelfAttribute("..account"), sli_kind="prometheus"
    )
    start = T0
    end = T0 + dt.timedelta(minutes=5)
    reason = "no data"
    first_seen_at = T0
    last_attempt_at = T0
    next_attempt_at = T0


@register
class PrometheusStatusRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrometheusStatusRule

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"rule {n}")
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    source = factory.SubFactory(PrometheusSourceFactory, account=factory.SelfAttribute("..account"))
    query = 'up{job="api"}'
    crit_operator = "=="
    crit_threshold = 0


@register
class AlertmanagerSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertmanagerSettings

    account = factory.SubFactory(AccountFactory)


@register
class AlertmanagerAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertmanagerAlert

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    fingerprint = factory.Sequence(lambda n: f"{n:016x}")
    starts_at = T0
    state = "CRIT"
    alertname = "HighErrorRate"


@register
class JobRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRun

    task = factory.Sequence(lambda n: f"task.{n}")
