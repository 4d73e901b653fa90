from django.apps import AppConfig


class SlaportalConfig(AppConfig):
    name = "slaportal"
    verbose_name = "SLA Portal"

    def ready(self):
        from django.db.backends.signals import connection_created

        from slaportal import deferred
        from slaportal.api import schema  # noqa: F401 - registers the OpenAPI extension
        from slaportal.db import use_fast_timestamptz_loader

        deferred.connect()
        connection_created.connect(use_fast_timestamptz_loader, dispatch_uid="fast-timestamptz")
