"""SLA definitions as engine specs, and which SLA a rule assigns to a service or group."""

from fnmatch import fnmatchcase

from sla.engine import SLASpec, TimePeriodSpec, parse_sla, parse_time_period
from sla.models import (
    AssignmentRule,
    RuleTarget,
    Service,
    ServiceGroup,
    SLADefinition,
    TimePeriod,
)

NO_SERVICE_PERIODS = {"service_period": None, "notification_period": None}


def requirement_json(requirement) -> dict:
    """One Requirement row in the engine's JSON shape."""
    data = {"title": requirement.title, "kind": requirement.kind, "state": requirement.state}
    if requirement.kind == "percentage":
        data.update(comparison=requirement.comparison or None, target=requirement.target)
    else:
        data.update(
            max_count=requirement.max_count,
            min_duration_seconds=requirement.min_duration_seconds or 0,
        )
    if requirement.level_warn is not None or requirement.level_crit is not None:
        data["levels"] = {"warn": requirement.level_warn, "crit": requirement.level_crit}
    if requirement.time_period_id:
        data["time_period"] = requirement.time_period.definition
    return data


def sla_json(sla: SLADefinition, requirements=None) -> dict:
    """An SLA definition (and its requirements) in the engine's JSON shape."""
    rows = requirements if requirements is not None else sla.requirements.all()
    data = {
        "period": sla.period,
        "timezone": sla.timezone,
        "options": sla.options or {},
        "requirements": [requirement_json(row) for row in rows],
    }
    if sla.time_period_id:
        data["time_period"] = sla.time_period.definition
    return data


def sla_spec(sla: SLADefinition) -> SLASpec:
    """The engine spec of a stored SLA (validated by the engine's parser)."""
    return parse_sla(sla_json(sla), "sla")


def services_periods(*, account, services) -> dict[int, dict[str, TimePeriodSpec | None]]:
    """Per service id, its service and notification period as engine specs, ready as the
    keyword arguments of ``evaluate``/``period_timeline``. One query for all services, none
    when no service has one."""
    ids = {
        pk
        for service in services
        for pk in (service.service_period_id, service.notification_period_id)
        if pk
    }
    specs: dict[int, TimePeriodSpec] = {}
    if ids:
        rows = TimePeriod.objects.for_account(account).filter(pk__in=ids)
        specs = {
            pk: parse_time_period(definition)
            for pk, definition in rows.values_list("pk", "definition")
        }
    return {
        service.pk: {
            "service_period": specs.get(service.service_period_id),
            "notification_period": specs.get(service.notification_period_id),
        }
        for service in services
    }


def service_periods(*, account, service) -> dict[str, TimePeriodSpec | None]:
    """The ``evaluate`` keyword arguments of one service (none of a group: 24x7)."""
    if service is None:
        return dict(NO_SERVICE_PERIODS)
    return services_periods(account=account, services=[service])[service.pk]


def _labels_match(wanted: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in (wanted or {}).items())


def rule_matches_service(rule: AssignmentRule, service: Service) -> bool:
    if rule.target != RuleTarget.SERVICE:
        return False
    if rule.path_glob and not fnmatchcase(service.path, rule.path_glob):
        return False
    if rule.group_id and rule.group_id != service.group_id:
        return False
    return _labels_match(rule.labels, service.labels or {})


def rule_matches_group(rule: AssignmentRule, group: ServiceGroup) -> bool:
    if rule.target != RuleTarget.GROUP:
        return False
    if rule.path_glob and not fnmatchcase(group.name, rule.path_glob):
        return False
    return not rule.group_id or rule.group_id == group.pk


def ordered_rules(*, account) -> list[AssignmentRule]:
    return list(AssignmentRule.objects.for_account(account).select_related("sla"))


def rule_for_service(*, account, service: Service, rules=None) -> AssignmentRule | None:
    """The first rule (by position) matching the service: the one that assigns its SLA."""
    for rule in rules if rules is not None else ordered_rules(account=account):
        if rule_matches_service(rule, service):
            return rule
    return None


def sla_for_service(*, account, service: Service, rules=None) -> SLADefinition | None:
    """The SLA of the first rule (by position) matching the service, as in Checkmk."""
    rule = rule_for_service(account=account, service=service, rules=rules)
    return rule.sla if rule is not None else None


def sla_for_group(*, account, group: ServiceGroup, rules=None) -> SLADefinition | None:
    for rule in rules if rules is not None else ordered_rules(account=account):
        if rule_matches_group(rule, group):
            return rule.sla
    return None
