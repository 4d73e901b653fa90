from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """Agreements on live metrics (the SLA Manager model of AGREEMENTS.md)."""

    name = "agreements"
    verbose_name = "Agreements"

    def ready(self):
        # The outbox kind for SLA_NOTIFICATION_ENDPOINT, the channel notices, the tasks.
        from agreements import delivery, notices, tasks  # noqa: F401

        delivery.register_kind()
        notices.register_notices()
