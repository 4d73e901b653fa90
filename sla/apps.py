from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        # Connect the signal receivers and register the tasks of each area.
        from sla import checks, receivers, receivers_ingest, receivers_slo, slo_tasks  # noqa: F401
