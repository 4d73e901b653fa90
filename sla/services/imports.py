"""Service config import: the small YAML documents operators keep next to each deployment.

    path: payment/api
    slaGroup: payment-system        # optional; without it the service is in no group
    slaGroupParent: payments        # optional: the group's parent group (a BI tree)
    name: Payment API               # optional display name
    labels: {team: pay, tier: "1"}  # optional, string values

A file holds one such document, a list of them, or several separated by `---`. A
document describes the service completely: a missing `slaGroup` means no group, missing
`labels` no labels, a missing `name` the path as display name. Groups named by `slaGroup`
are created (aggregation `worst`) when missing. The import is all-or-nothing: if any
document has an error, every error is reported (with the document's index and field) and
nothing is written. Importing the same documents again changes nothing.
"""

from dataclasses import dataclass, field

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from licensing.limits import service_limit, service_limit_message, service_room
from sla.models import Service, ServiceGroup
from sla.validators import SERVICE_PATH_RE, validate_labels
from slaportal.text import lone_surrogate_fields

ALLOWED_KEYS = ("path", "name", "slaGroup", "slaGroupParent", "labels")
MAX_DOCUMENTS = 10_000


class ImportSyntaxError(ValueError):
    """The YAML text itself cannot be parsed."""


@dataclass
class ImportResult:
    """Paths created, updated and unchanged, groups created, and errors (nothing written
    when there are errors)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "groups_created": self.groups_created,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class ServiceSpec:
    """One validated document."""

    path: str
    name: str
    group: str | None
    labels: dict
    parent: str | None = None  # the group's parent group


def services_yaml_documents(text: str) -> list:
    """The service documents of a YAML text (lists flattened), with `yaml.safe_load_all`."""
    if "\x00" in text:
        raise ImportSyntaxError("the YAML text contains NUL characters")
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        raise ImportSyntaxError(f"not valid YAML: {error}".replace("\n", " ")) from None
    except RecursionError:
        raise ImportSyntaxError("the YAML text is nested too deeply") from None
    documents = []
    for document in loaded:
        if document is None:
            continue  # an empty document (e.g. a trailing ---)
        documents.extend(document if isinstance(document, list) else [document])
    return documents


def _text(value, key: str, errors: list, index: int, max_length: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append({"index": index, "field": key, "error": "must be a non-empty string"})
        return None
    if len(value) > max_length or "\x00" in value:
        errors.append(
            {"index": index, "field": key, "error": f"at most {max_length} characters, no NUL"}
        )
        return None
    return value


def _spec(document, index: int, errors: list) -> ServiceSpec | None:
    if not isinstance(document, dict):
        errors.append({"index": index, "field": "", "error": "must be a mapping with a path"})
        return None
    before = len(errors)
    # YAML's "\udfff" escapes can carry text no database stores: name it, check no further.
    for field_name, messages in lone_surrogate_fields(document).items():
        errors.append({"index": index, "field": field_name, "error": messages[0]})
    if len(errors) > before:
        return None
    unknown = sorted(str(key) for key in document if key not in ALLOWED_KEYS)
    if unknown:
        errors.append(
            {
                "index": index,
                "field": unknown[0],
                "error": f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(ALLOWED_KEYS)}",
            }
        )
    path = _text(document.get("path"), "path", errors, index, 300)
    if path is not None and not SERVICE_PATH_RE.fullmatch(path):
        errors.append(
            {
                "index": index,
                "field": "path",
                "error": "segments of letters, digits, '.', '_' or '-' separated by '/'",
            }
        )
    name = document.get("name")
    if name is not None:
        name = _text(name, "name", errors, index, 200)
    group = document.get("slaGroup")
    if group is not None:
        group = _text(group, "slaGroup", errors, index, 200)
    parent = document.get("slaGroupParent")
    if parent is not None:
        parent = _text(parent, "slaGroupParent", errors, index, 200)
        if document.get("slaGroup") is None:
            errors.append(
                {"index": index, "field": "slaGroupParent", "error": "needs slaGroup (the child)"}
            )
    labels = document.get("labels")
    if labels is None:
        labels = {}
    else:
        try:
            validate_labels(labels)
        except ValidationError as error:
            errors.append({"index": index, "field": "labels", "error": error.messages[0]})
    if len(errors) > before:
        return None
    return ServiceSpec(path=path, name=name or "", group=group, labels=labels, parent=parent)


def services_validate(documents: list) -> tuple[list[ServiceSpec], list[dict]]:
    errors: list[dict] = []
    if len(documents) > MAX_DOCUMENTS:
        errors.append(
            {"index": MAX_DOCUMENTS, "field": "", "error": f"at most {MAX_DOCUMENTS} documents"}
        )
        return [], errors
    specs = []
    first_index: dict[str, int] = {}
    for index, document in enumerate(documents):
        spec = _spec(document, index, errors)
        if spec is None:
            continue
        if spec.path in first_index:
            errors.append(
                {
                    "index": index,
                    "field": "path",
                    "error": f"duplicate path, also at index {first_index[spec.path]}",
                }
            )
            continue
        first_index[spec.path] = index
        specs.append(spec)
    return specs, errors


def _groups_ensure(account, names: set[str], result: ImportResult) -> dict[str, ServiceGroup]:
    groups = {
        group.name: group
        for group in ServiceGroup.objects.for_account(account).filter(name__in=names)
    }
    for name in sorted(names - set(groups)):
        groups[name] = ServiceGroup.objects.create(account=account, name=name)
        result.groups_created.append(name)
    return groups


def _parents_set(specs: list[ServiceSpec], groups: dict[str, ServiceGroup]) -> list[dict]:
    """Hang groups below the parents the documents name; a cycle, a tree deeper than 5
    levels or two parents for one group is an error of that document."""
    errors: list[dict] = []
    chosen: dict[str, tuple[str, int]] = {}
    for index, spec in enumerate(specs):
        if not spec.parent:
            continue
        if spec.group in chosen and chosen[spec.group][0] != spec.parent:
            message = f"group {spec.group!r} already has parent {chosen[spec.group][0]!r}"
            errors.append({"index": index, "field": "slaGroupParent", "error": message})
            continue
        chosen[spec.group] = (spec.parent, index)
        group = groups[spec.group]
        if group.parent_id == groups[spec.parent].pk:
            continue
        group.parent = groups[spec.parent]
        try:
            group.full_clean()
        except ValidationError as error:
            message = " ".join(error.message_dict.get("parent", error.messages))
            errors.append({"index": index, "field": "slaGroupParent", "error": message})
            continue
        group.save(update_fields=["parent"])
    return errors


def _over_service_limit(account, specs: list[ServiceSpec]) -> list[dict]:
    """The licence's max_services: the first new path beyond it is refused (nothing is
    written then)."""
    room = service_room(account)
    if room is None:
        return []
    known = set(
        Service.objects.for_account(account)
        .filter(path__in=[spec.path for spec in specs])
        .values_list("path", flat=True)
    )
    new = [index for index, spec in enumerate(specs) if spec.path not in known]
    if len(new) <= room:
        return []
    message = service_limit_message(service_limit(account))
    return [{"index": new[room], "field": "path", "error": message}]


def services_import(*, account, documents: list) -> ImportResult:
    """Create or update the services the documents describe (all or nothing)."""
    result = ImportResult()
    specs, result.errors = services_validate(documents)
    if not result.errors:
        result.errors = _over_service_limit(account, specs)
    if result.errors:
        return result
    with transaction.atomic():
        names = {name for spec in specs for name in (spec.group, spec.parent) if name}
        groups = _groups_ensure(account, names, result)
        result.errors = _parents_set(specs, groups)
        if result.errors:
            transaction.set_rollback(True)  # all or nothing
            result.groups_created = []
            return result
        existing = {
            service.path: service
            for service in Service.objects.for_account(account).filter(
                path__in=[spec.path for spec in specs]
            )
        }
        for spec in specs:
            group = groups[spec.group] if spec.group else None
            service = existing.get(spec.path)
            if service is None:
                Service.objects.create(
                    account=account, path=spec.path, name=spec.name, labels=spec.labels, group=group
                )
                result.created.append(spec.path)
                continue
            wanted = {"name": spec.name, "labels": spec.labels, "group_id": group and group.pk}
            changed = [key for key, value in wanted.items() if getattr(service, key) != value]
            if not changed:
                result.unchanged.append(spec.path)
                continue
            for key in changed:
                setattr(service, key, wanted[key])
            # save() (not update()) so the group-membership receivers see the change.
            service.save(update_fields=[key.removesuffix("_id") for key in changed])
            result.updated.append(spec.path)
    return result
