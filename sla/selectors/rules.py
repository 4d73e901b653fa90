"""Assignment rules as an operator reads them: which rule assigns what, and which rules
another one hides (the first match wins, as in Checkmk)."""

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from sla.models import AssignmentRule, Service
from sla.selectors.definitions import ordered_rules, rule_for_service


def rule_name(rule: AssignmentRule) -> str:
    """ "rule 2 (Gold for the shop)" or "rule 2 (shop/* -> Gold)"."""
    what = rule.description or f"{rule.path_glob or 'everything'} → {rule.sla}"
    return f"rule {rule.position} ({what})"


def rule_covers(wider: AssignmentRule, narrower: AssignmentRule) -> bool:
    """Does `wider` match every subject `narrower` matches (same target; an empty or equal
    glob, or a glob matching the other glob's text; no group or the same; a subset of the
    labels)? Then `narrower`, placed after it, never applies."""
    if wider.target != narrower.target:
        return False
    if wider.path_glob and not (
        wider.path_glob == narrower.path_glob
        or (narrower.path_glob and fnmatchcase(narrower.path_glob, wider.path_glob))
    ):
        return False
    if wider.group_id and wider.group_id != narrower.group_id:
        return False
    wanted, labels = wider.labels or {}, narrower.labels or {}
    return all(labels.get(key) == value for key, value in wanted.items())


@dataclass
class RuleShadows:
    """What a rule's place changes: rules it hides, rules hiding it, services moved."""

    hides: list[AssignmentRule] = field(default_factory=list)
    hidden_by: list[AssignmentRule] = field(default_factory=list)
    taken_from: dict[int, list[str]] = field(default_factory=dict)  # rule id -> paths


def service_assignments(*, account) -> dict[int, int | None]:
    """Service id -> id of the rule assigning its SLA (None: no rule matches)."""
    rules = ordered_rules(account=account)
    assignments = {}
    for service in Service.objects.for_account(account).only("id", "path", "group_id", "labels"):
        rule = rule_for_service(account=account, service=service, rules=rules)
        assignments[service.pk] = rule.pk if rule is not None else None
    return assignments


def rule_shadows(*, account, rule: AssignmentRule, before: dict[int, int | None]) -> RuleShadows:
    """How `rule` (just saved) sits among the account's rules; `before` is
    service_assignments from before the save, to name the services it took over."""
    rules = ordered_rules(account=account)
    index = next(i for i, other in enumerate(rules) if other.pk == rule.pk)
    shadows = RuleShadows(
        hides=[other for other in rules[index + 1 :] if rule_covers(rule, other)],
        hidden_by=[other for other in rules[:index] if rule_covers(other, rule)],
    )
    paths = dict(Service.objects.for_account(account).values_list("id", "path"))
    for service_id, rule_id in service_assignments(account=account).items():
        previous = before.get(service_id)
        if rule_id == rule.pk and previous not in (None, rule.pk):
            shadows.taken_from.setdefault(previous, []).append(paths[service_id])
    return shadows
