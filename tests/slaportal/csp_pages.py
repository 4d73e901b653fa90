"""The HTML pages every CSP test walks: public pages, the dashboard, the admin (every
registered model's list and add form, plus the change form of the first object), the API
docs, the status page, and the error pages.
"""

from html.parser import HTMLParser

from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory

PUBLIC_PAGES = ["/accounts/login/", "/admin/login/", "/no-such-page/", "/api/docs/"]
SIGNED_IN_PAGES = ["/dashboard/", "/admin/"]
PASSWORD = "csp-test-password"


def superuser():
    user = UserFactory(username="csp-root", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_pages() -> list[str]:
    """The list and add form of every registered model, and the first object's change form."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(_SuperuserRequest()):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return pages


class _SuperuserRequest:
    """Enough of a request for has_add_permission (some admins add more checks)."""

    class user:
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(*args, **kwargs):
            return True

    GET: dict = {}


class InlineCode(HTMLParser):
    """Collects what a strict CSP blocks: inline scripts, <style>, style= and on…= attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            kind = dict(attrs).get("type") or ""
            if kind not in {"application/json", "application/ld+json"}:
                self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        if "style" in names:
            self.found.append(f"style= on <{tag}>")
        self.found.extend(f"{name}= on <{tag}>" for name in names if name.startswith("on"))


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found
