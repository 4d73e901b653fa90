from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        from sla import receivers, receivers_slo, slo_tasks  # noqa: F401 - connect receivers, tasks
