import datetime as dt

import factory

from reporting.models import DailyReport, Delivery, EmailRecipient, OutboxMessage, WebhookEndpoint
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0


@register
class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"hook {n}")
    url = "http://127.0.0.1:9/hook"
    secret = "factory-secret"


@register
class EmailRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailRecipient

    account = factory.SubFactory(AccountFactory)
    email = factory.Sequence(lambda n: f"oncall{n}@example.com")


@register
class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    account = factory.SubFactory(AccountFactory)
    event_type = "slo.alert.firing"
    dedup_key = factory.Sequence(lambda n: f"factory:{n}")
    payload = factory.LazyFunction(lambda: {"title": "test"})


@register
class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    account = factory.SubFactory(AccountFactory)
    message = factory.SubFactory(OutboxMessageFactory, account=factory.SelfAttribute("..account"))
    kind = "email"
    recipient = factory.SubFactory(
        EmailRecipientFactory, account=factory.SelfAttribute("..account")
    )
    next_attempt_at = factory.LazyFunction(lambda: T0 + dt.timedelta(days=365 * 5))


@register
class DailyReportFactory(factory.django.DjangoModelFactory):
    """A report row without files on disk (downloads of it answer 404)."""

    class Meta:
        model = DailyReport

    account = factory.SubFactory(AccountFactory)
    day = factory.Sequence(lambda n: dt.date(2024, 3, 1) + dt.timedelta(days=n))
    timezone = "UTC"
    schema_version = 1
    json_path = factory.LazyAttribute(lambda row: f"{row.account.slug}/{row.day}.json")
    json_sha256 = "0" * 64
    json_size = 0
    pdf_path = factory.LazyAttribute(lambda row: f"{row.account.slug}/{row.day}.pdf")
    pdf_sha256 = "0" * 64
    pdf_size = 0
    summary = factory.LazyFunction(dict)
    generated_at = T0
