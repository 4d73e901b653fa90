from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Public status pages"

    def ready(self):
        from statuspage import signals  # noqa: F401 - connects the cache invalidation
