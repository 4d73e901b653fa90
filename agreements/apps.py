from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """Agreements on live metrics (the SLA Manager model of AGREEMENTS.md)."""

    name = "agreements"
    verbose_name = "Agreements"
