"""The one place that resolves the account of a request.

API requests: the Bearer token's account (never a request body or URL). UI and admin
requests: the session user's membership; a user in several accounts picks one with
`?account=<slug>`, remembered in the session.
"""

from accounts.models import Account, ApiToken
from accounts.selectors import accounts_for_user

SESSION_KEY = "current_account_id"


def api_account(request) -> Account | None:
    token = getattr(request, "auth", None)
    return token.account if isinstance(token, ApiToken) else None


def api_token(request) -> ApiToken | None:
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


def ui_account(request) -> Account | None:
    """The account a logged-in user is working in, or None if they belong to none (looked
    up once per request: the operator-time middleware asks first)."""
    if not hasattr(request, "_ui_account"):
        request._ui_account = _resolve_ui_account(request)
    return request._ui_account


def _resolve_ui_account(request) -> Account | None:
    user = request.user
    available = accounts_for_user(user=user)
    wanted_slug = request.GET.get("account")
    if wanted_slug:
        account = available.filter(slug=wanted_slug).first()
        if account is not None:
            request.session[SESSION_KEY] = account.pk
            return account
    remembered = request.session.get(SESSION_KEY)
    account = available.filter(pk=remembered).first() if remembered else None
    return account or available.order_by("name").first()
