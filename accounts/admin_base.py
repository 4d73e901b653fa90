"""Tenant-aware admin: a superuser sees everything; a staff operator sees the accounts they
are a member of, and edits only those where they are owner or admin.
"""

from accounts.admin_display import (
    DATETIME_FORMFIELD_OVERRIDES,
    DECIMAL_FORMFIELD_OVERRIDES,
    IsoInstantsMixin,
)
from accounts.models import Account, Membership, TenantModel

_CACHE_ATTR = "_tenant_admin_accounts"


def member_account_ids(request, *, writable: bool = False) -> set[int]:
    """Account ids of the request's user (cached on the request); none when logged out."""
    if not request.user.is_authenticated:
        return set()  # the admin login page lists apps for an anonymous user
    cache = getattr(request, _CACHE_ATTR, None)
    if cache is None:
        rows = Membership.objects.filter(user=request.user).values_list("account_id", "role")
        cache = {"all": set(), "write": set()}
        for account_id, role in rows:
            cache["all"].add(account_id)
            if role in ("owner", "admin"):
                cache["write"].add(account_id)
        setattr(request, _CACHE_ATTR, cache)
    return cache["write" if writable else "all"]


def _is_tenant_model(model) -> bool:
    return issubclass(model, TenantModel)


class TenantAdminMixin(IsoInstantsMixin):
    """Mix into ModelAdmin of every tenant-owned model (targets shown as written, instants
    in ISO form in the account's zone: accounts.admin_display)."""

    account_field = "account"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        override = DECIMAL_FORMFIELD_OVERRIDES.get(type(db_field)) or (
            DATETIME_FORMFIELD_OVERRIDES.get(type(db_field)) if db_field.editable else None
        )
        if override:
            kwargs = {**override, **kwargs}
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """A new row proposes the account the operator works in (an explicit ?account=<id>
        in the URL still wins)."""
        initial = super().get_changeform_initial_data(request)
        if self.account_field == "account" and "account" not in initial:
            from accounts.context import ui_account

            account = ui_account(request)
            writable = member_account_ids(request, writable=True)
            if account is not None and (request.user.is_superuser or account.pk in writable):
                initial["account"] = account.pk
        return initial

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.account_field}__in": member_account_ids(request)})

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser and self.account_field not in filters:
            filters.insert(0, self.account_field)
        return filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser:
            if related is Account:
                kwargs["queryset"] = Account.objects.filter(
                    pk__in=member_account_ids(request, writable=True)
                )
            elif _is_tenant_model(related):
                kwargs["queryset"] = related.objects.filter(account__in=member_account_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser and _is_tenant_model(related):
            kwargs["queryset"] = related.objects.filter(account__in=member_account_ids(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _account_id_of(self, obj) -> int | None:
        return getattr(obj, f"{self.account_field}_id", None)

    def writable_queryset(self, request, queryset):
        """Rows the user may change: a user can be admin in one account and viewer in
        another, and an action or a list edit must only touch the first account's rows."""
        if request.user.is_superuser:
            return queryset
        writable = member_account_ids(request, writable=True)
        return queryset.filter(**{f"{self.account_field}__in": writable})

    def get_actions(self, request):
        """Every action runs on the selected rows the user may change, never on others."""
        return {
            name: (self._writable_action(function), name, description)
            for name, (function, name, description) in super().get_actions(request).items()
        }

    def _writable_action(self, function):
        def action(modeladmin, request, queryset):
            return function(modeladmin, request, self.writable_queryset(request, queryset))

        action.allowed_permissions = getattr(function, "allowed_permissions", ())
        return action

    def _get_list_editable_queryset(self, request, prefix):
        # Django's hook for the rows a list edit may save (no tenant admin uses list_editable
        # today; this keeps a future one from saving rows of read-only accounts).
        return self.writable_queryset(request, super()._get_list_editable_queryset(request, prefix))

    def has_module_permission(self, request):
        return request.user.is_superuser or (
            request.user.is_active and request.user.is_staff and bool(member_account_ids(request))
        )

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        if not self.has_module_permission(request):
            return False
        return obj is None or self._account_id_of(obj) in member_account_ids(request)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        writable = member_account_ids(request, writable=True)
        if not (request.user.is_staff and writable):
            return False
        return obj is None or self._account_id_of(obj) in writable

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class TenantInlineMixin(TenantAdminMixin):
    """Inlines: same rules; the inline row's account follows its parent."""

    def has_add_permission(self, request, obj=None):
        return TenantAdminMixin.has_change_permission(self, request, obj)

    def has_change_permission(self, request, obj=None):
        return TenantAdminMixin.has_change_permission(self, request, obj)

    def has_delete_permission(self, request, obj=None):
        return TenantAdminMixin.has_change_permission(self, request, obj)

    def _account_id_of(self, obj):
        # For inlines `obj` is the parent object.
        if isinstance(obj, Account):
            return obj.pk
        return getattr(obj, "account_id", None)
