import datetime as dt

import factory

from integrations.vector.models import VectorBatch, VectorRule, VectorSource
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0, ServiceFactory


@register
class VectorSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VectorSource

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"nginx {n}")
    default_service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))


@register
class VectorRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VectorRule

    account = factory.SubFactory(AccountFactory)
    source = factory.SubFactory(VectorSourceFactory, account=factory.SelfAttribute("..account"))
    kind = "path_prefix"
    value = "/api"
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))


@register
class VectorBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VectorBatch

    account = factory.SubFactory(AccountFactory)
    source = factory.SubFactory(VectorSourceFactory, account=factory.SelfAttribute("..account"))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    received_at = factory.LazyFunction(lambda: T0 + dt.timedelta(minutes=1))
