import datetime as dt

import factory

from integrations.federation.models import PushedReport
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register


@register
class PushedReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PushedReport

    account = factory.SubFactory(AccountFactory)
    source = "plugin-acct"
    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    timezone = "UTC"
    schema_version = 1
    json_path = factory.LazyAttribute(lambda o: f"federation/{o.source}/{o.day}.json")
    json_sha256 = "0" * 64
    json_size = 0
    pdf_path = factory.LazyAttribute(lambda o: f"federation/{o.source}/{o.day}.pdf")
    pdf_sha256 = "0" * 64
    pdf_size = 0
    event_id = factory.Sequence(lambda n: f"event-{n}")
    received_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
