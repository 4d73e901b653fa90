import datetime as dt

import factory

from audit.models import Action, AuditEntry
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register


@register
class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    account = factory.SubFactory(AccountFactory)
    at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    model = "sla.downtime"
    object_id = factory.Sequence(lambda n: n + 1)
    object_repr = "maintenance"
    action = Action.CREATED
    version = factory.Sequence(lambda n: n + 1)
    actor = "system"
    after = factory.LazyFunction(lambda: {"reason": "maintenance"})
    changed = factory.LazyFunction(lambda: ["reason"])
