"""A CRUD viewset base answering PATCH but not PUT.

AccountScopedViewSet inherits ModelViewSet's `update`, which the router maps to PUT even
though `http_method_names` leaves PUT out (PUT then answers 405 before the object lookup).
Without `update`, the router maps PATCH only.
"""

from rest_framework import mixins, viewsets

from accounts.api_base import AccountScopedMixin


class AccountScopedPatchViewSet(
    AccountScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """List, create, show, PATCH and delete one tenant-owned model."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return mixins.UpdateModelMixin.update(self, request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.save()

    def perform_create(self, serializer):
        serializer.save(account=self.account)
