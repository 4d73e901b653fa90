from django.apps import AppConfig


class PrometheusConfig(AppConfig):
    name = "integrations.prometheus"
    label = "prometheus"
    verbose_name = "Prometheus"

    def ready(self):
        from integrations.prometheus import jobs, tasks  # noqa: F401 - signals, tasks
        from integrations.prometheus.plugin import register_sli_kind

        register_sli_kind()
