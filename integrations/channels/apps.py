from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "integrations.channels"
    label = "channels"
    verbose_name = "Notification channels (Slack, Teams, PagerDuty)"

    def ready(self):
        # Registers the delivery kinds "slack", "teams" and "pagerduty" with the outbox.
        from integrations.channels import senders  # noqa: F401
