from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Public status pages"

    def ready(self):
        # Cache invalidation; subscribers' delivery kinds and their event announcements.
        from statuspage import signals  # noqa: F401
        from statuspage.subscriptions import senders  # noqa: F401
        from statuspage.subscriptions import signals as subscriber_signals  # noqa: F401
