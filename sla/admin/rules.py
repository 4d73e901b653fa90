"""Assignment rules: ordered (move up / down), explained (the first match wins), and a
save that hides another rule or takes services from one says so, by name."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.admin_base import TenantAdminMixin
from sla.models import AssignmentRule
from sla.selectors.rules import rule_name, rule_shadows, service_assignments
from sla.services.rules import rule_move

FIRST_MATCH_WINS = (
    "Rules are tried from the top (lowest position first): the first rule that matches a "
    "service assigns its SLA; the first match wins and later rules are not looked at."
)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["position", "order", "sla", "target", "path_glob", "group", "labels", "note"]
    list_display_links = ["position", "sla"]
    ordering = ["account", "position", "id"]
    change_list_template = "admin/sla/assignmentrule/change_list.html"
    fieldsets = [
        (None, {"fields": ["account", "position", "sla"], "description": FIRST_MATCH_WINS}),
        (
            "Which services (or groups) it matches (empty fields match everything)",
            {"fields": ["target", "path_glob", "group", "labels", "description"]},
        ),
    ]

    @admin.display(description="order")
    def order(self, rule):
        return format_html(
            '<button type="submit" form="rule-move" name="move" value="{}:up" class="button" '
            'title="Move up">▲ up</button> '
            '<button type="submit" form="rule-move" name="move" value="{}:down" class="button" '
            'title="Move down">▼ down</button>',
            rule.pk,
            rule.pk,
        )

    @admin.display(description="description")
    def note(self, rule):
        return rule.description

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.move_view))
        return [path("move/", view, name="sla_assignmentrule_move"), *super().get_urls()]

    def move_view(self, request):
        """POST move=<id>:up|down: one place up or down among the account's rules."""
        rule_id, _, direction = request.POST.get("move", "").partition(":")
        rule = self.get_queryset(request).filter(pk=rule_id if rule_id.isdigit() else 0).first()
        if rule is None or direction not in ("up", "down"):
            raise Http404("No such rule.")
        if not self.has_change_permission(request, rule):
            raise PermissionDenied
        before = service_assignments(account=rule.account)
        rule_move(account=rule.account, rule=rule, direction=direction)
        rule.refresh_from_db()
        messages.success(request, f"Moved {direction}: {rule_name(rule)}.")
        self._warn_about_shadows(request, rule, before)
        return redirect(reverse("admin:sla_assignmentrule_changelist"))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        last = self.get_queryset(request).aggregate(last=Max("position"))["last"]
        initial.setdefault("position", (last or 0) + 1)  # a new rule goes last
        return initial

    def save_model(self, request, obj, form, change):
        before = service_assignments(account=obj.account)
        super().save_model(request, obj, form, change)
        self._warn_about_shadows(request, obj, before)

    def _warn_about_shadows(self, request, rule, before):
        for text in self._shadow_texts(rule, before):
            messages.warning(request, text[:1].upper() + text[1:])

    def _shadow_texts(self, rule, before) -> list[str]:
        texts = []
        shadows = rule_shadows(account=rule.account, rule=rule, before=before)
        names = {other.pk: other for other in AssignmentRule.objects.for_account(rule.account)}
        for hidden in shadows.hides:
            texts.append(
                f"{rule_name(hidden)} no longer applies: {rule_name(rule)} comes before it "
                "and matches everything it matches (the first match wins).",
            )
        for earlier in shadows.hidden_by:
            texts.append(
                f"{rule_name(rule)} never applies: {rule_name(earlier)} comes before it and "
                "matches everything it matches. Move it up or narrow the earlier rule.",
            )
        for previous_id, paths in shadows.taken_from.items():
            previous = names.get(previous_id)
            label = rule_name(previous) if previous else "another rule"
            shown = ", ".join(sorted(paths)[:10]) + (" ..." if len(paths) > 10 else "")
            texts.append(
                f"{len(paths)} service(s) now get {rule.sla} from {rule_name(rule)} instead of "
                f"{label}: {shown}.",
            )
        return texts
