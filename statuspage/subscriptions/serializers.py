"""API shapes of status page subscribers (owners manage them; visitors use the form)."""

from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField
from statuspage.models import StatusPage, StatusPageComponent
from statuspage.serializers import StrictFieldsMixin
from statuspage.subscriptions.models import Subscriber, SubscriberKind


class SubscriberSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Create: `page`, `kind` and `email` (a confirmation mail is sent: double opt-in) or
    `url` (a webhook, active at once); `components`: component ids, or null/absent for all.
    Update: `components` only."""

    page = AccountScopedRelatedField(queryset=StatusPage.objects.all())
    kind = serializers.ChoiceField(choices=SubscriberKind.choices)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    url = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    components = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        max_length=1000,
        write_only=True,
        help_text="Component ids of the page; null or absent: all components, also later ones.",
    )
    confirmed = serializers.BooleanField(source="is_confirmed", read_only=True)

    class Meta:
        model = Subscriber
        fields = [
            "id",
            "page",
            "kind",
            "email",
            "url",
            "all_components",
            "components",
            "confirmed",
            "confirmed_at",
            "created_at",
        ]
        read_only_fields = ["all_components", "confirmed_at", "created_at"]
        validators = []  # uniqueness is the service's (with a message naming the field)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["components"] = (
            None
            if instance.all_components
            else sorted(link.component_id for link in instance.component_links.all())
        )
        return data

    def validate(self, attrs):
        if self.instance is not None:
            fixed = sorted(set(attrs) & {"page", "kind", "email", "url"})
            if fixed:
                message = "Cannot change; remove the subscriber and add a new one."
                raise serializers.ValidationError(dict.fromkeys(fixed, message))
        return attrs

    def component_objects(self, page, ids):
        """The chosen components (None: all); unknown ids are refused by the service."""
        if ids is None:
            return None
        found = {
            component.pk: component
            for component in StatusPageComponent.objects.for_account(page.account).filter(
                pk__in=ids
            )
        }
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError({"components": [f"Unknown component {missing[0]}."]})
        return [found[pk] for pk in ids]


class SubscriberCountsSerializer(serializers.Serializer):
    """Subscribers of one page: confirmed and pending, by kind, per chosen component."""

    page = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    pending = serializers.IntegerField()
    email = serializers.IntegerField()
    webhook = serializers.IntegerField()
    all_components = serializers.IntegerField()
    components = serializers.ListField(child=serializers.DictField())


class SubscriberTestSerializer(serializers.Serializer):
    """`POST .../test`: no body; the answer tells how the test went."""

    delivered = serializers.BooleanField(read_only=True)
    status_code = serializers.IntegerField(read_only=True, allow_null=True)
    error = serializers.CharField(read_only=True, allow_blank=True)
    event_id = serializers.CharField(read_only=True)

    def validate(self, attrs):
        if self.initial_data:
            message = "Unknown field: a test takes no input."
            raise serializers.ValidationError(dict.fromkeys(map(str, self.initial_data), message))
        return attrs
