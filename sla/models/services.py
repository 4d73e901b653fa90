"""Services and the SLA groups (service groups) that roll them up."""

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import TenantModel
from sla.validators import validate_labels, validate_service_path

STATE_CHOICES = [("OK", "OK"), ("WARN", "WARN"), ("CRIT", "CRIT"), ("UNKNOWN", "UNKNOWN")]


# Rows about "a service or an SLA group": exactly one of the two foreign keys is set.
ONE_SUBJECT = models.Q(service__isnull=False, group__isnull=True) | models.Q(
    service__isnull=True, group__isnull=False
)


class Aggregation(models.TextChoices):
    WORST = "worst", "worst member state"
    BEST = "best", "best member state"
    K_OF_N = "k_of_n", "CRIT when fewer than k members are OK"


MAX_GROUP_DEPTH = 5


class ServiceGroup(TenantModel):
    """An SLA group: a set of services and groups (its children) whose state at any instant
    is derived from its direct members (worst, best or k-of-n), like a BI aggregation tree
    (at most MAX_GROUP_DEPTH levels, no cycles). SLAs can be assigned to groups."""

    name = models.CharField(
        max_length=200,
        help_text="Identifier used by service config (slaGroup), e.g. payment-system",
    )
    title = models.CharField(max_length=200, blank=True, help_text="Display name")
    description = models.TextField(blank=True)
    aggregation = models.CharField(
        max_length=16, choices=Aggregation.choices, default=Aggregation.WORST
    )
    k = models.PositiveIntegerField(
        null=True, blank=True, help_text="For k_of_n: CRIT when fewer than k members are OK."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The group this group is a member of (a BI tree, at most 5 levels)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="servicegroup_unique_name")
        ]

    def __str__(self) -> str:
        return self.title or self.name

    def clean(self):
        super().clean()
        if self.aggregation == Aggregation.K_OF_N and not self.k:
            raise ValidationError({"k": "k_of_n aggregation needs k (at least 1)."})
        if self.aggregation != Aggregation.K_OF_N and self.k:
            raise ValidationError({"k": "k is only used with k_of_n aggregation."})
        if self.parent_id is not None:
            self._check_tree()

    def _check_tree(self) -> None:
        """No cycle, and at most MAX_GROUP_DEPTH levels once this group hangs below its
        parent (its own subtree included)."""
        groups = ServiceGroup.objects.filter(account_id=self.account_id)
        parents = dict(groups.values_list("id", "parent_id"))
        if self.pk is not None:
            parents[self.pk] = self.parent_id
        chain, current = [], self.parent_id
        while current is not None:
            if current == self.pk or current in chain:
                raise ValidationError(
                    {"parent": "This parent would make a cycle: a group cannot contain itself."}
                )
            chain.append(current)
            current = parents.get(current)
        below = 0 if self.pk is None else _subtree_height(self.pk, parents)
        depth = len(chain) + 1 + below
        if depth > MAX_GROUP_DEPTH:
            raise ValidationError(
                {"parent": f"The tree would be {depth} levels deep; at most {MAX_GROUP_DEPTH}."}
            )


def _subtree_height(group_id, parents: dict) -> int:
    """Levels below `group_id` (0 for a group without child groups)."""
    children: dict = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    height, level, seen = 0, [group_id], {group_id}
    while True:
        level = [child for item in level for child in children.get(item, ()) if child not in seen]
        if not level:
            return height
        seen.update(level)
        height += 1


class Service(TenantModel):
    """A monitored service, identified per account by its path (e.g. `payment/api`).

    `current_state`/`current_state_since` mirror the latest status event (by event time) so
    dashboards and status pages need no scan of the event table.
    """

    path = models.CharField(max_length=300, validators=[validate_service_path])
    name = models.CharField(max_length=200, blank=True, help_text="Display name; default path")
    labels = models.JSONField(default=dict, blank=True, validators=[validate_labels])
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    # Checkmk's service time and notification period (time periods of the account, in the
    # SLA's time zone); none = 24x7. Which one counts is the SLA's option.
    service_period = models.ForeignKey(
        "sla.TimePeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Service time: with the SLA option service_period honor (default), time "
        "outside it is not considered",
    )
    notification_period = models.ForeignKey(
        "sla.TimePeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="With the SLA option notification_period honor, time outside it is not "
        "considered",
    )
    current_state = models.CharField(max_length=8, choices=STATE_CHOICES, blank=True)
    current_state_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["account", "path"], name="service_unique_path")
        ]

    def __str__(self) -> str:
        return self.name or self.path

    def clean(self):
        super().clean()
        for name in ("service_period", "notification_period"):
            period = getattr(self, name)
            if period is not None and period.account_id != self.account_id:
                raise ValidationError({name: "must be a time period of the service's account."})

    @property
    def display_name(self) -> str:
        return self.name or self.path
