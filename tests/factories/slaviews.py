import factory

from slaviews.models import SLAView, SLAViewColumn
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import SLADefinitionFactory


@register
class SLAViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLAView

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"view {n}")
    last_periods = 3


@register
class SLAViewColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLAViewColumn

    account = factory.SubFactory(AccountFactory)
    view = factory.SubFactory(SLAViewFactory, account=factory.SelfAttribute("..account"))
    sla = factory.SubFactory(SLADefinitionFactory, account=factory.SelfAttribute("..account"))
