import datetime as dt

import factory

from sla.models import (
    SLO,
    Alert,
    AlertPolicy,
    BurnRateWindow,
    RequestCount,
    SLODayBucket,
    SLOHourBucket,
)
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0, ServiceFactory


@register
class RequestCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestCount

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    source = "api"
    start = factory.Sequence(lambda n: T0 + dt.timedelta(minutes=n))
    end = factory.LazyAttribute(lambda row: row.start + dt.timedelta(minutes=1))
    good = 99
    total = 100


@register
class AlertPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertPolicy

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"policy {n}")
    min_events = 0


@register
class BurnRateWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BurnRateWindow

    account = factory.SubFactory(AccountFactory)
    policy = factory.SubFactory(AlertPolicyFactory, account=factory.SelfAttribute("..account"))
    severity = "page"
    long_window_seconds = 3600
    short_window_seconds = 300
    budget_consumed_percent = 2


@register
class SLOFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLO

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"SLO {n}")
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    sli_kind = "time"
    target = 99.9
    window_kind = "rolling"
    window_days = 30


@register
class SLOHourBucketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLOHourBucket

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(SLOFactory, account=factory.SelfAttribute("..account"))
    hour_start = factory.Sequence(lambda n: T0 + dt.timedelta(hours=n))
    day_start = factory.LazyAttribute(
        lambda row: row.hour_start.replace(hour=0, minute=0, second=0, microsecond=0)
    )
    good_0 = 10
    total_0 = 10
    good = 10
    total = 10


@register
class SLODayBucketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLODayBucket

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(SLOFactory, account=factory.SelfAttribute("..account"))
    day_start = factory.Sequence(lambda n: T0 + dt.timedelta(days=n))
    good = 10
    total = 10


@register
class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    account = factory.SubFactory(AccountFactory)
    slo = factory.SubFactory(SLOFactory, account=factory.SelfAttribute("..account"))
    window_key = factory.Sequence(lambda n: f"page:3600:{300 * (n + 1)}")
    severity = "page"
    long_window_seconds = 3600
    short_window_seconds = 300
    threshold = 14.4
    state = "resolved"
    started_at = T0
    last_evaluated_at = T0
