from django.apps import AppConfig


class SlaportalConfig(AppConfig):
    name = "slaportal"
    verbose_name = "SLA Portal"

    def ready(self):
        from slaportal import deferred
        from slaportal.api import schema  # noqa: F401 - registers the OpenAPI extension

        deferred.connect()
