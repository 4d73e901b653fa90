import factory

from sla.models import RollupMark
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import ServiceFactory


@register
class RollupMarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RollupMark

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
