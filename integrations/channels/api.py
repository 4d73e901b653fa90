"""API of notification channels: /api/v1/channels[/{id}] and POST /api/v1/channels/{id}/test."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_base import AccountScopedViewSet
from integrations.channels.models import Channel
from integrations.channels.serializers import ChannelSerializer, ChannelTestSerializer
from integrations.channels.services import channel_send_test, test_result


class ChannelViewSet(AccountScopedViewSet):
    """Slack, Teams and PagerDuty channels for the account's notifications (SLO burn
    alerts, SLA level changes, the daily report): `event_types` empty means all."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    sla_feature_required = True
    filterset_fields = ["kind", "active"]

    @extend_schema(request=None, responses={200: ChannelTestSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="test",
        url_name="test",
        serializer_class=ChannelTestSerializer,
    )
    def send_test(self, request, pk=None):
        """Send a test message now (PagerDuty: an info alert, then its resolve) and tell
        whether the channel accepted it; a failed test is not retried."""
        channel = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        deliveries = channel_send_test(account=self.account, channel=channel)
        return Response(test_result(deliveries))
