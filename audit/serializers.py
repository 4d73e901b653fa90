from rest_framework import serializers

from audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    token = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    before = serializers.DictField(
        help_text="Every audited field before the change ({} on create)."
    )
    after = serializers.DictField(help_text="Every audited field after the change ({} on delete).")
    changed = serializers.ListField(child=serializers.CharField(), help_text="Fields that differ.")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "model",
            "object_id",
            "object_repr",
            "action",
            "version",
            "actor",
            "user",
            "token",
            "changed",
            "before",
            "after",
        ]
        read_only_fields = fields


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="Row id in the model's history table.")
    changed_at = serializers.DateTimeField(help_text="When this version came into force.")
    fields = serializers.DictField(help_text="The audited fields of this version.")


class SLAAsOfSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    sla = VersionSerializer()
    requirements = VersionSerializer(many=True)
