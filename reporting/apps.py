from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reports and notifications"

    def ready(self):
        # The report directory follows its account (slug changes, deletion).
        from reporting import receivers  # noqa: F401
