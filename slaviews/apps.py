from django.apps import AppConfig


class SLAViewsConfig(AppConfig):
    name = "slaviews"
    verbose_name = "SLA views"
