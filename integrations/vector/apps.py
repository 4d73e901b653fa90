from django.apps import AppConfig


class VectorConfig(AppConfig):
    name = "integrations.vector"
    label = "vector"
    verbose_name = "Vector (nginx logs)"
    default_auto_field = "django.db.models.BigAutoField"
