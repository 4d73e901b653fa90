"""Demo SLAs for `make run`: business hours, three SLAs, assignment rules, stored results.

Runs after the demo services and their history exist (see accounts.demo.DEMO_SEEDERS);
idempotent: re-running keeps one copy of everything.
"""

from sla.models import AssignmentRule, Requirement, Service, SLADefinition, TimePeriod
from sla.selectors.definitions import ordered_rules, sla_for_service
from sla.selectors.results import sla_results_last
from sla.services.results import Subject

WORKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
DEMO_SLAS = [
    {
        "title": "Gold 99.9% monthly",
        "period": "monthly",
        "time_period": None,
        "glob": "payment/*",
        "requirements": [
            {
                "title": "Availability >= 99.9%",
                "kind": "percentage",
                "state": "OK",
                "comparison": "min",
                "target": 99.9,
                "level_warn": 50,
                "level_crit": 10,
            },
            {
                "title": "At most 3 outages >= 5 min",
                "kind": "outages",
                "state": "CRIT",
                "max_count": 3,
                "min_duration_seconds": 300,
                "level_warn": 1,
                "level_crit": 0,
            },
        ],
    },
    {
        "title": "Business hours 99.5% weekly",
        "period": "weekly",
        "time_period": "Business hours",
        "glob": "shop/*",
        "requirements": [
            {
                "title": "Availability in business hours >= 99.5%",
                "kind": "percentage",
                "state": "OK",
                "comparison": "min",
                "target": 99.5,
                "level_warn": 50,
                "level_crit": 20,
            },
        ],
    },
    {
        "title": "Internal 99% daily",
        "period": "daily",
        "time_period": None,
        "glob": "*",
        "requirements": [
            {
                "title": "Availability >= 99%",
                "kind": "percentage",
                "state": "OK",
                "comparison": "min",
                "target": 99.0,
            },
        ],
    },
]


def _business_hours(account) -> TimePeriod:
    time_period, _ = TimePeriod.objects.get_or_create(
        account=account,
        name="Business hours",
        defaults={
            "definition": {
                **{day: ["08:00-18:00"] for day in WORKDAYS},
                "exceptions": {"2026-12-24": ["08:00-12:00"], "2026-12-25": [], "2026-12-26": []},
            }
        },
    )
    return time_period


def _sla(account, spec: dict, business_hours: TimePeriod) -> SLADefinition:
    sla, created = SLADefinition.objects.get_or_create(
        account=account,
        title=spec["title"],
        defaults={
            "period": spec["period"],
            "timezone": account.timezone,
            "time_period": business_hours if spec["time_period"] else None,
        },
    )
    if created:
        for position, fields in enumerate(spec["requirements"]):
            Requirement.objects.create(account=account, sla=sla, position=position, **fields)
    return sla


def seed(account, now) -> list[str]:
    business_hours = _business_hours(account)
    for position, spec in enumerate(DEMO_SLAS):
        sla = _sla(account, spec, business_hours)
        AssignmentRule.objects.get_or_create(
            account=account, position=position * 10, sla=sla, defaults={"path_glob": spec["glob"]}
        )
    rules = ordered_rules(account=account)
    computed = 0
    for service in Service.objects.for_account(account):
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            sla_results_last(account=account, sla=sla, subject=Subject(service), count=6, now=now)
            computed += 1
    return [f"SLAs: {len(DEMO_SLAS)} definitions, results stored for {computed} services"]
