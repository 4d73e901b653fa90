from django.apps import AppConfig


class LicensingConfig(AppConfig):
    """Licence verification (Ed25519-signed JWT) and the licence part of the SLA gate."""

    name = "licensing"
    verbose_name = "Licences"

    def ready(self):
        from licensing import checks  # noqa: F401 - registers the system checks
