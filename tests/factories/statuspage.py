import datetime as dt

import factory

from statuspage.models import (
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    StatusPage,
    StatusPageComponent,
    StatusPageDomain,
    Subscriber,
    SubscriberComponent,
)
from tests.factories.accounts import AccountFactory
from tests.factories.registry import register
from tests.factories.sla import T0, DowntimeFactory, ServiceFactory


@register
class StatusPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusPage

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Status {n}")
    slug = factory.Sequence(lambda n: f"page-{n}")
    time_zone = "UTC"


@register
class StatusPageDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusPageDomain

    account = factory.SubFactory(AccountFactory)
    page = factory.SubFactory(StatusPageFactory, account=factory.SelfAttribute("..account"))
    domain = factory.Sequence(lambda n: f"status{n}.example.com")


@register
class ComponentGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComponentGroup

    account = factory.SubFactory(AccountFactory)
    page = factory.SubFactory(StatusPageFactory, account=factory.SelfAttribute("..account"))
    name = factory.Sequence(lambda n: f"Section {n}")


@register
class StatusPageComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusPageComponent

    account = factory.SubFactory(AccountFactory)
    page = factory.SubFactory(StatusPageFactory, account=factory.SelfAttribute("..account"))
    service = factory.SubFactory(ServiceFactory, account=factory.SelfAttribute("..account"))
    name = factory.Sequence(lambda n: f"Component {n}")


@register
class PublicIncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicIncident

    account = factory.SubFactory(AccountFactory)
    page = factory.SubFactory(StatusPageFactory, account=factory.SelfAttribute("..account"))
    name = factory.Sequence(lambda n: f"Incident {n}")
    impact = "minor"
    status = "investigating"
    started_at = T0


@register
class PublicIncidentComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicIncidentComponent

    account = factory.SubFactory(AccountFactory)
    incident = factory.SubFactory(PublicIncidentFactory, account=factory.SelfAttribute("..account"))
    component = factory.SubFactory(
        StatusPageComponentFactory,
        account=factory.SelfAttribute("..account"),
        page=factory.SelfAttribute("..incident.page"),
    )
    status = "partial_outage"


@register
class IncidentUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentUpdate

    account = factory.SubFactory(AccountFactory)
    incident = factory.SubFactory(PublicIncidentFactory, account=factory.SelfAttribute("..account"))
    status = "investigating"
    body = "We are looking into it."
    display_at = factory.LazyAttribute(lambda update: update.incident.started_at)


@register
class MaintenanceUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceUpdate

    account = factory.SubFactory(AccountFactory)
    downtime = factory.SubFactory(
        DowntimeFactory, account=factory.SelfAttribute("..account"), public=True
    )
    status = "verifying"
    body = "Checking that everything works."
    display_at = factory.LazyAttribute(
        lambda update: update.downtime.start + dt.timedelta(minutes=30)
    )


@register
class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed email subscriber of all components."""

    class Meta:
        model = Subscriber

    account = factory.SubFactory(AccountFactory)
    page = factory.SubFactory(StatusPageFactory, account=factory.SelfAttribute("..account"))
    kind = "email"
    email = factory.Sequence(lambda n: f"subscriber{n}@example.com")
    confirmed_at = T0


@register
class SubscriberComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriberComponent

    account = factory.SubFactory(AccountFactory)
    subscriber = factory.SubFactory(SubscriberFactory, account=factory.SelfAttribute("..account"))
    component = factory.SubFactory(
        StatusPageComponentFactory,
        account=factory.SelfAttribute("..account"),
        page=factory.SelfAttribute("..subscriber.page"),
    )
