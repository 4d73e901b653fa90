"""Admin for accounts, memberships and tokens (tenant-aware, see admin_base)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.admin_base import TenantAdminMixin, member_account_ids
from accounts.models import Account, ApiToken, Membership, Role, Scope
from accounts.services import token_create

admin.site.site_header = "SLA Portal"
admin.site.site_title = "SLA Portal admin"
admin.site.index_title = "Operations"


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "feature_sla", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=member_account_ids(request))

    def has_module_permission(self, request):
        return request.user.is_superuser or bool(member_account_ids(request))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        return obj is None or obj.pk in member_account_ids(request)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        writable = member_account_ids(request, writable=True)
        return bool(writable) and (obj is None or obj.pk in writable)

    def has_add_permission(self, request):
        # New tenants are created by platform operators only.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Owners manage everyone; admins manage admins and viewers but can neither make an
    owner nor change or remove one (no taking over an account)."""

    list_display = ["user", "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "account__name"]

    def _owned(self, request) -> set[int]:
        if not request.user.is_authenticated:
            return set()
        rows = Membership.objects.filter(user=request.user, role=Role.OWNER)
        return set(rows.values_list("account_id", flat=True))

    def _may_touch(self, request, membership) -> bool:
        return (
            request.user.is_superuser
            or membership.role != Role.OWNER
            or membership.account_id in self._owned(request)
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_touch(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._may_touch(request, obj))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        owned = None if request.user.is_superuser else self._owned(request)

        class OwnerGuardedForm(form):
            def clean(self):
                cleaned = super().clean()
                account = cleaned.get("account") or getattr(self.instance, "account", None)
                if (
                    owned is not None
                    and cleaned.get("role") == Role.OWNER
                    and (account is None or account.pk not in owned)
                ):
                    raise forms.ValidationError(
                        {"role": "Only an owner can make someone an owner."}
                    )
                return cleaned

        return OwnerGuardedForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # An operator may only pick people already in one of their accounts, so the
            # user list never reveals other tenants' staff.
            user_ids = Membership.objects.filter(account__in=member_account_ids(request)).values(
                "user_id"
            )
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=user_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, f"{scope.value}: {scope.label}") for scope in Scope],
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do; give it no more than its program needs.",
    )

    class Meta:
        model = ApiToken
        fields = ["account", "name", "scopes"]


SESSION_SLOT_NEW = "accounts_new_apitoken"


@admin.register(ApiToken)
class ApiTokenAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Tokens: the secret is shown once, in a panel with a copy button, right after
    creation; revoking is a button on the token's page (and a list action)."""

    list_display = ["name", "account", "prefix", "scope_labels", "is_active", "last_used_at"]
    readonly_fields = [
        "prefix",
        "scope_labels",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    search_fields = ["name", "prefix"]
    actions = ["revoke_tokens"]
    change_form_template = "admin/accounts/apitoken/change_form.html"

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.readonly_fields, "account"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "name", "scopes"]
        return ["account", "name", *self.readonly_fields]

    @admin.display(description="scopes")
    def scope_labels(self, obj):
        labels = dict(Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in obj.scopes) or "–"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = token_create(
            account=form.cleaned_data["account"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            created_by=request.user,
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        # Kept in the session only until the token's page shows it, once.
        request.session[SESSION_SLOT_NEW] = {"token": token.pk, "secret": secret}

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"Token {obj.name} created.")
        return redirect(reverse("admin:accounts_apitoken_change", args=[obj.pk]))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        stored = request.session.get(SESSION_SLOT_NEW)
        if obj is not None and stored and stored.get("token") == obj.pk:
            context["new_secret"] = request.session.pop(SESSION_SLOT_NEW)["secret"]
        if obj is not None:
            context["may_revoke"] = obj.is_active and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.revoke_view))
        return [
            path("<int:object_id>/revoke/", view, name="accounts_apitoken_revoke"),
            *super().get_urls(),
        ]

    def revoke_view(self, request, object_id):
        token = self.get_queryset(request).filter(pk=object_id).first()
        if token is None:
            raise Http404("No such token.")
        if not self.has_change_permission(request, token):
            raise PermissionDenied
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            messages.success(request, f"Token {token.name} revoked: it no longer works.")
        return redirect(reverse("admin:accounts_apitoken_change", args=[token.pk]))

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).")

    @admin.display(boolean=True, description="active")
    def is_active(self, obj):
        return obj.is_active
