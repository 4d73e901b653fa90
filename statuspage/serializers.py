"""API shapes for managing status pages (operators; the public JSON is in render/v2.py)."""

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField
from sla.models import Downtime, Incident, Service, ServiceGroup
from slaportal.api.params import AwareDateTimeField
from statuspage import hosts
from statuspage.models import (
    AFFECTED_COMPONENT_STATUSES,
    ComponentGroup,
    ComponentStatus,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncident,
    StatusPage,
    StatusPageComponent,
)
from statuspage.selectors.pages import page_url, primary_domain
from statuspage.services import default_public_name, logo_content_type
from statuspage.text import validate_line, validate_text


class StrictFieldsMixin:
    """Refuse fields the endpoint does not know, naming them, instead of ignoring typos."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StatusPageSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        max_length=20,
        write_only=True,
        help_text=(
            "Custom host names (also admitted by ALLOWED_HOSTS); never one of the app's own "
            "host names, an IP address or localhost."
        ),
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Set to make the page private; an empty string makes it public again.",
    )
    logo = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300_000,
        help_text="Base64 PNG, JPEG or GIF (at most 200 KB); empty removes the logo.",
    )
    is_private = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = StatusPage
        fields = [
            "id",
            "public_id",
            "title",
            "slug",
            "enabled",
            "time_zone",
            "language",
            "description",
            "show_sla",
            "subscriptions_enabled",
            "maintenance_reminder_minutes",
            "domains",
            "password",
            "logo",
            "is_private",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]

    def get_url(self, page) -> str:
        return page_url(page=page, domain=primary_domain(page=page)) + "/"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["domains"] = list(instance.domains.order_by("domain").values_list("domain", flat=True))
        return data

    def validate_domains(self, value: list[str]) -> list[str]:
        """Refuse the app's own names, IP addresses, localhost and malformed names at once."""
        problems = []
        for domain in value:
            name = hosts.domain_name(domain)
            problem = hosts.custom_domain_problem(name)
            if problem:
                problems.append(f"{name}: {problem}" if name else problem)
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def validate_logo(self, value: str) -> bytes | None:
        if not value:
            return None
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Not valid base64.") from None
        try:
            logo_content_type(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return data


class ComponentGroupSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    page = AccountScopedRelatedField(queryset=StatusPage.objects.all())

    class Meta:
        model = ComponentGroup
        fields = [
            "id",
            "public_id",
            "page",
            "name",
            "description",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]


class ComponentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    page = AccountScopedRelatedField(queryset=StatusPage.objects.all())
    service = AccountScopedRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True
    )
    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), required=False, allow_null=True
    )
    section = AccountScopedRelatedField(
        queryset=ComponentGroup.objects.all(), required=False, allow_null=True
    )
    name = serializers.CharField(
        max_length=200,
        required=False,
        validators=[validate_line],
        help_text="Public name; default: the service's display name or the group's title.",
    )

    class Meta:
        model = StatusPageComponent
        fields = [
            "id",
            "public_id",
            "page",
            "service",
            "group",
            "name",
            "description",
            "section",
            "position",
            "public",
            "showcase",
            "only_show_if_degraded",
            "start_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]

    def validate(self, attrs):
        merged = {
            name: attrs.get(name, getattr(self.instance, name, None))
            for name in ("page", "service", "group", "section")
        }
        if (merged["service"] is None) == (merged["group"] is None):
            raise serializers.ValidationError(
                {"service": "Give a service or an SLA group (exactly one)."}
            )
        if merged["section"] is not None and merged["section"].page_id != merged["page"].pk:
            raise serializers.ValidationError({"section": "Belongs to another page."})
        if self.instance is None and not attrs.get("name"):
            attrs["name"] = default_public_name(service=merged["service"], group=merged["group"])
        return attrs


class AffectedComponentSerializer(StrictFieldsMixin, serializers.Serializer):
    component = AccountScopedRelatedField(queryset=StatusPageComponent.objects.all())
    status = serializers.ChoiceField(
        choices=AFFECTED_COMPONENT_STATUSES, default=ComponentStatus.PARTIAL_OUTAGE
    )


class AffectedComponentsField(serializers.ListField):
    """Affected components: written as a list of {component, status}, read back the same."""

    def __init__(self, **kwargs):
        super().__init__(child=AffectedComponentSerializer(), **kwargs)

    def get_attribute(self, instance):
        return [
            {"component": link.component_id, "status": link.status}
            for link in instance.affected.all()
        ]

    def to_representation(self, data):
        return list(data)


def components_dict(items) -> dict | None:
    if items is None:
        return None
    return {item["component"]: item["status"] for item in items}


class IncidentUpdateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    display_at = AwareDateTimeField(required=False)
    components = AffectedComponentSerializer(
        many=True,
        write_only=True,
        required=False,
        help_text="Components whose shown status changes with this update.",
    )
    incident = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = IncidentUpdate
        fields = [
            "id",
            "public_id",
            "incident",
            "status",
            "body",
            "display_at",
            "components",
            "affected_components",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "affected_components", "created_at", "updated_at"]


class IncidentUpdateEditSerializer(IncidentUpdateSerializer):
    """Editing an entry fixes its text or time; statuses change by posting a new entry."""

    class Meta(IncidentUpdateSerializer.Meta):
        read_only_fields = [*IncidentUpdateSerializer.Meta.read_only_fields, "status"]


class PublicIncidentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    page = AccountScopedRelatedField(queryset=StatusPage.objects.all())
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = serializers.ChoiceField(choices=IncidentImpact.choices, default=IncidentImpact.MINOR)
    started_at = AwareDateTimeField(required=False)
    body = serializers.CharField(
        write_only=True,
        required=False,
        validators=[validate_text],
        help_text="Text of the first timeline entry.",
    )
    components = AffectedComponentsField(
        required=False, help_text="Affected components with the status each shows meanwhile."
    )
    updates = IncidentUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = PublicIncident
        fields = [
            "id",
            "public_id",
            "page",
            "name",
            "status",
            "impact",
            "started_at",
            "monitoring_at",
            "resolved_at",
            "follow_source",
            "source_incident",
            "body",
            "components",
            "updates",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "public_id",
            "monitoring_at",
            "resolved_at",
            "source_incident",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        source = getattr(self.instance, "source_incident_id", None)
        if attrs.get("follow_source") and source is None:
            raise serializers.ValidationError(
                {
                    "follow_source": "Only an incident published from an automatic incident "
                    "can follow it (POST /api/v1/public-incidents/from-incident)."
                }
            )
        if self.instance is None and not attrs.get("body"):
            raise serializers.ValidationError({"body": "Give the text of the first update."})
        if self.instance is not None:
            for name in ("page", "status", "components", "body"):
                if name in attrs:
                    raise serializers.ValidationError(
                        {name: "Post an update to change this (…/updates)."}
                    )
        return attrs


class FromIncidentSerializer(StrictFieldsMixin, serializers.Serializer):
    incident = AccountScopedRelatedField(queryset=Incident.objects.all())
    page = AccountScopedRelatedField(
        queryset=StatusPage.objects.all(), required=False, allow_null=True
    )
    name = serializers.CharField(required=False, max_length=200, validators=[validate_line])
    body = serializers.CharField(required=False, max_length=10_000, validators=[validate_text])
    impact = serializers.ChoiceField(choices=IncidentImpact.choices, required=False)


class MaintenanceUpdateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    downtime = AccountScopedRelatedField(queryset=Downtime.objects.all())
    status = serializers.ChoiceField(choices=MaintenanceStatus.choices)
    display_at = AwareDateTimeField(required=False)

    class Meta:
        model = MaintenanceUpdate
        fields = [
            "id",
            "public_id",
            "downtime",
            "status",
            "body",
            "display_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_id", "created_at", "updated_at"]

    def validate_downtime(self, downtime):
        if not downtime.public:
            raise serializers.ValidationError("Only public downtimes are shown as maintenance.")
        return downtime
