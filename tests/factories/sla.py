import datetime as dt

import factory

from sla.models import (
    AssignmentRule,
    DailyUptime,
    Downtime,
    EventHorizon,
    Incident,
    PeriodResult,
    Requirement,
    Service,
    ServiceGroup,
    SLADefinition,
    StatusEvent,
    TimePeriod,
    UptimeSnapshot,
)
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register

T0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


@register
class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"group-{n}")


@register
class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    account = factory.SubFactory(AccountFactory)
    path = factory.Sequence(lambda n: f"team/service-{n}")


@register
class EventHorizonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventHorizon

    account = factory.SubFactory(AccountFactory)
    pruned_before = T0


@register
class StatusEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusEvent

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    at = factory.Sequence(lambda n: T0 + dt.timedelta(minutes=n))
    state = "OK"
    dedup_key = factory.Sequence(lambda n: f"factory:{n}")


@register
class TimePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimePeriod

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"business hours {n}")
    definition = factory.LazyFunction(
        lambda: {day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday")}
    )


@register
class SLADefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLADefinition
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"SLA {n}")
    period = "monthly"
    timezone = "UTC"

    @factory.post_generation
    def requirements(sla, create, extracted, **kwargs):
        """One 99.5% availability requirement unless `requirements=[...]` dicts are given."""
        if not create:
            return
        for position, fields in enumerate(extracted or [{}]):
            RequirementFactory(sla=sla, account=sla.account, position=position, **fields)


@register
class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    account = factory.SubFactory(AccountFactory)
    sla = factory.SubFactory(
        SLADefinitionFactory, account=factory.SelfAttribute("..account"), requirements=[]
    )
    title = "Availability >= 99.5%"
    kind = "percentage"
    state = "OK"
    comparison = "min"
    target = 99.5


@register
class AssignmentRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    account = factory.SubFactory(AccountFactory)
    sla = factory.SubFactory(SLADefinitionFactory, account=factory.SelfAttribute("..account"))
    path_glob = "*"


@register
class DowntimeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Downtime

    account = factory.SubFactory(AccountFactory)
    reason = "maintenance"
    start = T0
    end = factory.LazyAttribute(lambda downtime: downtime.start + dt.timedelta(hours=1))


@register
class PeriodResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodResult

    account = factory.SubFactory(AccountFactory)
    sla = factory.SubFactory(SLADefinitionFactory, account=factory.SelfAttribute("..account"))
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    period_start = T0
    period_end = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    state = "OK"
    result = factory.LazyFunction(dict)
    sla_revision = 1


@register
class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    started_at = T0
    ended_at = factory.LazyAttribute(lambda incident: incident.started_at + dt.timedelta(minutes=9))
    worst_state = "CRIT"
    state = "OK"


@register
class UptimeSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UptimeSnapshot

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    bucket_start = factory.Sequence(lambda n: T0 + dt.timedelta(minutes=5 * n))
    seconds_ok = 300


@register
class DailyUptimeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyUptime

    account = factory.SubFactory(AccountFactory)
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    day = factory.Sequence(lambda n: dt.date(2024, 3, 1) + dt.timedelta(days=n))
    seconds_ok = 86400
