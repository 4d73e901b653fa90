"""Ordering assignment rules: positions 1..n in the account, moved one step at a time."""

from django.db import transaction

from sla.models import AssignmentRule


@transaction.atomic
def rule_move(*, account, rule: AssignmentRule, direction: str) -> list[AssignmentRule]:
    """Move `rule` one place up or down among the account's rules; renumbers all rules
    1..n in their current order (ties by id), so positions stay unique and readable."""
    rules = list(
        AssignmentRule.objects.for_account(account).select_for_update().order_by("position", "id")
    )
    index = next(i for i, other in enumerate(rules) if other.pk == rule.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(rules):
        rules[index], rules[target] = rules[target], rules[index]
    for position, other in enumerate(rules, start=1):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    return rules
