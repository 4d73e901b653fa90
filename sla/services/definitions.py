"""Writing SLA definitions: one validation path (the engine's parser) for admin and API."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from sla.engine import SpecError, parse_requirement, parse_sla
from sla.models import Requirement, SLADefinition
from sla.selectors.definitions import requirement_json, sla_json

# Engine field names (last part of a SpecError path) -> Requirement model fields.
REQUIREMENT_FIELDS = {
    "title": "title",
    "kind": "kind",
    "state": "state",
    "comparison": "comparison",
    "target": "target",
    "max_count": "max_count",
    "min_duration_seconds": "min_duration_seconds",
    "levels": "level_warn",
    "warn": "level_warn",
    "crit": "level_crit",
    "time_period": "time_period",
}


def _requirement_field(spec_field: str) -> str:
    """`requirement.levels.crit` -> `level_crit`; unknown parts become non-field errors."""
    for part in reversed(spec_field.replace("]", "").replace("[", ".").split(".")):
        if part in REQUIREMENT_FIELDS:
            return REQUIREMENT_FIELDS[part]
    return "__all__"


def requirement_validate(requirement: Requirement) -> None:
    """Validate one requirement row with the engine; errors keyed by model field."""
    try:
        parse_requirement(requirement_json(requirement), "requirement")
    except SpecError as error:
        raise ValidationError({_requirement_field(error.field): error.message}) from None


def _api_path(spec_field: str) -> str:
    """`sla.requirements[1].target` -> `requirements[1].target` (the API field path)."""
    return spec_field.removeprefix("sla.").removeprefix("sla")


def sla_validate(*, sla: SLADefinition, requirements: list[Requirement]) -> None:
    """Validate an SLA and its requirements as one engine spec (nothing saved)."""
    try:
        parse_sla(sla_json(sla, requirements), "sla")
    except SpecError as error:
        raise ValidationError({_api_path(error.field) or "__all__": error.message}) from None


def _requirement_rows(account, sla: SLADefinition, requirements: list[dict] | None):
    if requirements is None:
        return list(sla.requirements.all()) if sla.pk else []
    return [
        Requirement(account=account, position=index, **data)
        for index, data in enumerate(requirements)
    ]


@transaction.atomic
def sla_definition_save(
    *, account, sla: SLADefinition | None, fields: dict, requirements: list[dict] | None
) -> SLADefinition:
    """Create or update an SLA and (when given) replace its requirements, all or nothing."""
    sla = sla or SLADefinition(account=account)
    for name, value in fields.items():
        setattr(sla, name, value)
    rows = _requirement_rows(account, sla, requirements)
    sla.full_clean(exclude=["revision"])
    sla_validate(sla=sla, requirements=rows)
    sla.save()  # a pre_save receiver gives an existing SLA a new revision
    if requirements is not None:
        sla.requirements.all().delete()
        for row in rows:  # one save each (few rows): the audit log records every one
            row.sla = sla
            row.save()
    return sla


def slas_bump_revision(*, sla_ids) -> int:
    """Give SLAs a new revision after a change to something they use."""
    return SLADefinition.objects.filter(pk__in=list(sla_ids)).update(revision=F("revision") + 1)


def slas_using_time_period(*, time_period) -> set[int]:
    uses = Q(time_period=time_period) | Q(requirements__time_period=time_period)
    return set(SLADefinition.objects.filter(uses).values_list("pk", flat=True))
