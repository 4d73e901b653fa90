"""The audit log: one row per change of an audited object (see audit.history)."""

from django.conf import settings
from django.db import models

from accounts.querysets import TenantModel


class Action(models.TextChoices):
    CREATED = "created"
    CHANGED = "changed"
    DELETED = "deleted"


class AuditEntry(TenantModel):
    """Who changed which object of an account, when, and its values before and after.

    `model` is the object's `app_label.model_name` (`sla.sladefinition`); `version` is the
    id of the row in that model's history table holding the object as it was after this
    change (before it, for a deletion): `SLADefinition.history.get(history_id=version)`.
    `before` / `after` hold every audited field (foreign keys as ids; secrets as a digest);
    `changed` names the fields that differ. Either `user` (a person in the admin or UI) or
    `token` (an API token) or neither (a job, a management command) made the change;
    `actor` keeps the name even after the user or token is deleted.
    """

    # No database constraint: entries written while an account is being deleted (its
    # objects' deletions) must not block that deletion; they stay as a record.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    at = models.DateTimeField(db_index=True)
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    version = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    token = models.ForeignKey(
        "accounts.ApiToken",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [
            models.Index(fields=["account", "-at"], name="audit_account_at"),
            models.Index(fields=["account", "model", "object_id", "-at"], name="audit_object_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.model} {self.object_id}"
