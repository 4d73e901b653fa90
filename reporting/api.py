"""API of notification settings: webhook endpoints and email recipients."""

from accounts.api_base import AccountScopedViewSet
from reporting.models import EmailRecipient, WebhookEndpoint
from reporting.serializers import EmailRecipientSerializer, WebhookEndpointSerializer


class WebhookEndpointViewSet(AccountScopedViewSet):
    """Webhook endpoints: signed JSON POSTs for the chosen event types (empty: all)."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    sla_feature_required = True


class EmailRecipientViewSet(AccountScopedViewSet):
    """Email recipients of notifications of the chosen kinds (event types; empty: all)."""

    queryset = EmailRecipient.objects.all()
    serializer_class = EmailRecipientSerializer
    sla_feature_required = True
