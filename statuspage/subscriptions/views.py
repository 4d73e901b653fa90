"""The public subscription pages of a status page: the form (`/subscribe`), and the pages
the mailed links open (`/subscription/confirm/<token>`, `/subscription/unsubscribe/<token>`).

Server-rendered, no JavaScript (the page's strict CSP applies), never cached. Private pages
show the form only behind their password; the mailed links work without it (the signed
link is the proof), and the unsubscribe link also takes the mail client's one-click POST
(RFC 8058), so it needs no CSRF token. Opening a link (GET) changes nothing: link checkers
of mail providers follow links, so the change is one button press (POST) away.
"""

import logging

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from statuspage import documents, i18n
from statuspage.subscriptions import services, throttle, tokens
from statuspage.subscriptions.selectors import subscribable_components
from statuspage.views import _page_and_base, _password_required, has_access

logger = logging.getLogger(__name__)


def _html(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context, request=request), status=status)
    response["Content-Security-Policy"] = documents.HTML_POLICY
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _context(page, base: str, **extra) -> dict:
    t = i18n.catalogue(page.language)
    return {"page": page, "base": base, "lang": page.language, "t": t, **extra}


def _form_page(request, page, base, *, status=200, errors=None, values=None) -> HttpResponse:
    context = _context(page, base)
    values = values or {"email": "", "scope": "all", "components": set()}
    context.update(
        components=subscribable_components(page=page),
        errors=errors or {},
        values=values,
    )
    return _html(request, "statuspage/subscribe.html", context, status)


def _form_errors(error: ValidationError, t: dict) -> dict:
    """The service's refusal in the page's language, by form field."""
    fields = getattr(error, "error_dict", {})
    errors = {}
    if "email" in fields:
        errors["email"] = t["subscribe_bad_email"]
    if "components" in fields:
        errors["components"] = t["subscribe_unknown_component"]
    return errors or {"form": t["subscribe_bad_email"]}


def _chosen(page, scope: str, public_ids: list[str]):
    """(components or None for all, error key or None) from the form's scope and ticks."""
    if scope == "all":
        return None, None
    if scope != "some" or not public_ids:
        return None, "subscribe_no_component"
    by_id = {component.public_id: component for component in subscribable_components(page=page)}
    if any(public_id not in by_id for public_id in public_ids):
        return None, "subscribe_unknown_component"
    return [by_id[public_id] for public_id in dict.fromkeys(public_ids)], None


@csrf_protect
@require_http_methods(["GET", "POST"])
def subscribe(request, slug: str | None = None):
    page, base, _ = _page_and_base(request, slug)
    if not page.subscriptions_enabled:
        raise Http404("This page offers no subscriptions.")
    if not has_access(request, page):
        return _password_required(request, page, base, "")
    if request.method == "GET":
        return _form_page(request, page, base)
    t = i18n.catalogue(page.language)
    values = {
        "email": request.POST.get("email", "")[:300],
        "scope": request.POST.get("scope", "all"),
        "components": set(request.POST.getlist("component")),
    }
    if throttle.client_over_limit(request.META.get("REMOTE_ADDR", "")):
        errors = {"form": t["subscribe_throttled"]}
        return _form_page(request, page, base, status=429, errors=errors, values=values)
    components, problem = _chosen(page, values["scope"], request.POST.getlist("component"))
    if problem:
        errors = {"components": t[problem]}
        return _form_page(request, page, base, status=400, errors=errors, values=values)
    try:
        services.subscription_request(page=page, email=values["email"], components=components)
    except ValidationError as error:
        errors = _form_errors(error, t)
        return _form_page(request, page, base, status=400, errors=errors, values=values)
    context = _context(page, base, title=t["subscribe_sent_title"], text=t["subscribe_sent"])
    return _html(request, "statuspage/subscription_message.html", context)


def _message(request, page, base, title: str, text: str, status: int = 200, button=None):
    context = _context(page, base, title=title, text=text, button=button)
    return _html(request, "statuspage/subscription_message.html", context, status)


def _bad_link(request, page, base, reason) -> HttpResponse:
    logger.info("subscription link of page %s refused: %s", page.pk, reason)
    t = i18n.catalogue(page.language)
    return _message(request, page, base, t["link_invalid"], "", status=400)


@csrf_exempt  # the signed link is the authority; nothing is changed on GET
@require_http_methods(["GET", "POST"])
def confirm(request, token: str, slug: str | None = None):
    page, base, _ = _page_and_base(request, slug)
    if not page.subscriptions_enabled:
        raise Http404("This page offers no subscriptions.")
    t = i18n.catalogue(page.language)
    title = i18n.fill(t["confirm_question"], page=page.title)
    try:
        if request.method == "GET":
            services.subscriber_of_confirm_link(page=page, token=token)
            return _message(request, page, base, title, "", button=t["confirm_button"])
        services.subscription_confirm(page=page, token=token)
    except tokens.BadLink as error:
        return _bad_link(request, page, base, error)
    return _message(request, page, base, i18n.fill(t["confirm_done"], page=page.title), "")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without cookies
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str, slug: str | None = None):
    page, base, _ = _page_and_base(request, slug)
    t = i18n.catalogue(page.language)
    try:
        if request.method == "GET":
            if services.subscriber_of_unsubscribe_link(page=page, token=token) is not None:
                title = i18n.fill(t["unsubscribe_question"], page=page.title)
                return _message(request, page, base, title, "", button=t["unsubscribe_button"])
        else:
            services.subscription_cancel(page=page, token=token)
    except tokens.BadLink as error:
        return _bad_link(request, page, base, error)
    return _message(request, page, base, i18n.fill(t["unsubscribe_done"], page=page.title), "")
