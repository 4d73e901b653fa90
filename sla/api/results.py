"""SLA results over the API: per SLA and subject, by range or for the last N periods."""

import datetime as dt

from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from sla.engine import iter_periods
from sla.models import Service, ServiceGroup, SLADefinition
from sla.selectors.definitions import sla_for_group, sla_for_service
from sla.selectors.results import (
    MAX_LAST_PERIODS,
    results_explained,
    sla_results_for_range,
    sla_results_last,
)
from sla.services.results import Subject
from slaportal.api.params import AwareDateTimeField

MAX_RANGE_PERIODS = 400


class ResultsQuery(serializers.Serializer):
    """?from=&to= (half-open range) or ?last=N (the current period and N-1 before it)."""

    service = serializers.IntegerField(required=False, min_value=1)
    group = serializers.IntegerField(required=False, min_value=1)
    last = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LAST_PERIODS)
    to = AwareDateTimeField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = AwareDateTimeField(required=False)  # `from` is a Python keyword
        return fields

    def validate(self, attrs):
        has_range = "from" in attrs or "to" in attrs
        if has_range and "last" in attrs:
            raise ValidationError({"last": "Give either from/to or last, not both."})
        if has_range:
            for name in ("from", "to"):
                if name not in attrs:
                    raise ValidationError({name: "Give both from and to."})
            if attrs["to"] <= attrs["from"]:
                raise ValidationError({"to": "Must be after from."})
        return attrs


def parse_results_query(request, *, default_last: int | None) -> dict:
    query = ResultsQuery(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    values = dict(query.validated_data)
    if "from" not in values and "last" not in values:
        if default_last is None:
            raise ValidationError({"last": "Give from and to, or last=N."})
        values["last"] = default_last
    return values


LONGEST_PERIOD = {
    "daily": dt.timedelta(hours=25),
    "weekly": dt.timedelta(days=7, hours=1),
    "monthly": dt.timedelta(days=31, hours=1),
    "quarterly": dt.timedelta(days=92, hours=1),
    "yearly": dt.timedelta(days=366, hours=1),
}


def _check_range_size(sla: SLADefinition, values: dict) -> None:
    too_many = ValidationError(
        {"from": f"The range covers more than {MAX_RANGE_PERIODS} {sla.period} periods."}
    )
    # Reject huge ranges by arithmetic before listing their periods one by one.
    if values["to"] - values["from"] > MAX_RANGE_PERIODS * LONGEST_PERIOD[sla.period]:
        raise too_many
    periods = iter_periods(sla.period, sla.timezone, values["from"], values["to"])
    for count, _ in enumerate(periods, start=1):
        if count > MAX_RANGE_PERIODS:
            raise too_many


def _subject_json(subject: Subject) -> dict:
    if subject.service is not None:
        service = subject.service
        return {"service": {"id": service.pk, "path": service.path, "name": service.display_name}}
    return {"group": {"id": subject.group.pk, "name": subject.group.name}}


def results_payload(*, account, sla: SLADefinition, subject: Subject, values: dict) -> dict:
    """The results of `sla` for a service or group, with the spans behind every figure."""
    now = timezone.now()
    if "last" in values:
        rows = sla_results_last(
            account=account, sla=sla, subject=subject, count=values["last"], now=now
        )
    else:
        _check_range_size(sla, values)
        rows = sla_results_for_range(
            account=account,
            sla=sla,
            subject=subject,
            range_from=values["from"],
            range_to=values["to"],
            now=now,
        )
    return {
        "sla": {"id": sla.pk, "title": sla.title, "period": sla.period, "timezone": sla.timezone},
        **_subject_json(subject),
        "periods": results_explained(account=account, sla=sla, subject=subject, rows=rows, now=now),
    }


def subject_from_query(account, values: dict) -> Subject:
    """The service (`service=ID`) or SLA group (`group=ID`) a results query names."""
    if ("service" in values) == ("group" in values):
        raise ValidationError({"service": "Give the id of a service, or group=ID for a group."})
    if "group" in values:
        group = ServiceGroup.objects.for_account(account).filter(pk=values["group"]).first()
        if group is None:
            raise ValidationError({"group": "No such group in this account."})
        return Subject(group=group)
    service = Service.objects.for_account(account).filter(pk=values["service"]).first()
    if service is None:
        raise ValidationError({"service": "No such service in this account."})
    return Subject(service=service)


def assigned_sla_payload(*, account, subject: Subject, values: dict) -> dict:
    """The rule-assigned SLA of a service or group and its results (SLA null if none)."""
    if subject.service is not None:
        sla = sla_for_service(account=account, service=subject.service)
    else:
        sla = sla_for_group(account=account, group=subject.group)
    if sla is None:
        return {**_subject_json(subject), "sla": None, "periods": []}
    return results_payload(account=account, sla=sla, subject=subject, values=values)
