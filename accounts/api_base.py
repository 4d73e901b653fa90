"""Base classes for account-scoped API views: the account comes from the token only.

Every queryset starts from `Model.objects.for_account(account)`, so another account's
object is simply not found (404) and never confirmed to exist.
"""

from rest_framework import mixins, serializers, viewsets

from accounts.context import api_account


class AccountScopedMixin:
    """Gives a view `self.account` and an account-filtered `get_queryset()`."""

    @property
    def account(self):
        return api_account(self.request)

    def get_queryset(self):
        model = self.queryset.model
        return self.optimize_queryset(model.objects.for_account(self.account))

    def optimize_queryset(self, queryset):
        """Hook for select_related/prefetch_related; keeps list endpoints to O(1) queries."""
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["account"] = self.account
        return context


class PatchOnlyMixin:
    """PATCH without PUT: with no `update` method the router registers no PUT route, so
    every routed method reaches the object lookup (and its 404 for a foreign object)."""

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return mixins.UpdateModelMixin.update(self, request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.save()


class AccountScopedViewSet(
    AccountScopedMixin,
    PatchOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD on one tenant-owned model (PATCH, no PUT); create() stamps the request's account."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.save(account=self.account)


class AccountScopedReadOnlyViewSet(AccountScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Read-only listing and detail of one tenant-owned model."""


class AccountScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects of the request's account."""

    def get_queryset(self):
        account = self.context.get("account")
        return self.queryset.model.objects.for_account(account)


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() (field validators, clean(), unique constraints) before
    saving, so model rules hold in the API exactly as in the admin, and a duplicate is a 400
    naming the field instead of an IntegrityError."""

    def _clean_and_save(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        return instance

    def create(self, validated_data):
        model = self.Meta.model
        account = validated_data.pop("account", None) or self.context["account"]
        return self._clean_and_save(model(account=account), validated_data)

    def update(self, instance, validated_data):
        return self._clean_and_save(instance, validated_data)
