"""`audited()`: the django-simple-history field every audited model declares.

    history = audited()

Each save or delete of such a model writes a version row into the model's own history
table (`sla_historicalsladefinition` ...: every field, `account` included, plus when, by
which user, and the version id) and an `audit.AuditEntry` (who, user or API token, values
before and after) through audit.recorder. Queryset `update()` and `bulk_create()` bypass
both: services change audited rows one `save()` at a time.
"""

from django.contrib.auth import get_user_model
from simple_history.models import HistoricalRecords


def history_user(request, **kwargs):
    """The person behind the change: a session user; None for tokens, jobs and commands."""
    user = getattr(request, "user", None)
    if isinstance(user, get_user_model()) and user.is_authenticated:
        return user
    return None


def audited(**options) -> HistoricalRecords:
    return HistoricalRecords(get_user=history_user, user_db_constraint=False, **options)
