from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        from sla import receivers  # noqa: F401 - connects the signal receivers
