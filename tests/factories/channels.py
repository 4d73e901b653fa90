import factory

from integrations.channels.models import Channel
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register


@register
class ChannelFactory(factory.django.DjangoModelFactory):
    """A Slack channel (the URL refuses delivery: loopback, private networks not allowed)."""

    class Meta:
        model = Channel

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"channel {n}")
    kind = "slack"
    url = "http://127.0.0.1:9/slack"
