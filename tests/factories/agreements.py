"""Factories of agreements (agreements/)."""

import datetime as dt

import factory

from agreements.models import (
    Agreement,
    Context,
    Guarantee,
    LevelChange,
    NotificationEndpoint,
    Violation,
    new_agreement_id,
)
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0


@register
class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"App{n:02d}")
    agreement_id = factory.LazyAttribute(lambda row: new_agreement_id(row.name))
    state = "started"
    created_at = T0
    expires_at = factory.LazyAttribute(lambda row: row.created_at + dt.timedelta(days=365))
    next_due_at = T0


@register
class GuaranteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guarantee

    account = factory.SubFactory(AccountFactory)
    agreement = factory.SubFactory(AgreementFactory, account=factory.SelfAttribute("..account"))
    name = factory.Sequence(lambda n: f"Processing{n:02d}")
    query = "[go_memstats_frees_total#LABELS#] < 50000"
    constraint = "[go_memstats_frees_total] < 50000"
    resolved = True


@register
class ViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Violation

    account = factory.SubFactory(AccountFactory)
    guarantee = factory.SubFactory(GuaranteeFactory, account=factory.SelfAttribute("..account"))
    agreement = factory.SelfAttribute("guarantee.agreement")
    at = T0
    constraint = "[go_memstats_frees_total] < 50000"
    values = factory.LazyFunction(
        lambda: [{"key": "go_memstats_frees_total", "action": "", "namespace": "",
                  "value": 239641613, "datetime": "2025-05-12T13:52:11.741Z"}]
    )  # fmt: skip


@register
class LevelChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelChange

    account = factory.SubFactory(AccountFactory)
    agreement = factory.SubFactory(AgreementFactory, account=factory.SelfAttribute("..account"))
    at = T0
    previous_level = "Met"
    level = "Broken"


@register
class ContextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Context

    account = factory.SubFactory(AccountFactory)
    agent_id = factory.Sequence(lambda n: f"agent{n}")
    name = "company_premises"
    values = factory.LazyFunction(lambda: {"building": "Red", "floor": "22"})
    updated_at = T0


@register
class NotificationEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationEndpoint

    url = factory.Sequence(lambda n: f"https://sla-notifications{n}.example.com/hook")
