from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "integrations.federation"
    label = "federation"
    verbose_name = "Federation (plugin to portal push)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the outbox delivery kind "portal" and the receivers that queue pushes.
        from integrations.federation import receivers, senders  # noqa: F401
        from integrations.federation.services import portal_link_fact_register

        portal_link_fact_register()
