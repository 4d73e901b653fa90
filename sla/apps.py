from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        from sla import receivers_ingest  # noqa: F401 - connects the pipeline receivers
