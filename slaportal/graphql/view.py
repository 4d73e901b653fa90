"""The /graphql endpoint: the REST API's Bearer tokens and `read` scope, GET and POST.

A request without a valid token gets 401, a token without `read` 403, both as GraphQL
error bodies. The account comes from the token only. GraphiQL (a browser asking for
HTML) is served only when DEBUG or GRAPHQL_GRAPHIQL allows it; it needs no token to load
and sends the one the user pastes.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from accounts.permissions import token_grants
from accounts.selectors import token_for_secret
from accounts.services import token_touch
from slaportal.csp import build_policy, set_policy
from slaportal.graphql.context import GraphQLContext

# GraphiQL's page runs under the project's strict policy (slaportal.csp), scripts and styles
# from this server only; its stylesheet embeds its fonts as data: URIs.
GRAPHIQL_POLICY = build_policy(font_src=("'self'", "data:"))


def error_response(status: int, message: str, code: str) -> JsonResponse:
    response = JsonResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def bearer_token(request):
    """(token, None) for a valid Bearer token, else (None, the error response)."""
    header = request.headers.get("Authorization", "").split()
    if len(header) != 2 or header[0].lower() != "bearer" or not header[1].isascii():
        return None, error_response(
            401, "authentication_failed: send 'Authorization: Bearer <token>'.", "UNAUTHENTICATED"
        )
    token = token_for_secret(secret=header[1])
    if token is None:
        return None, error_response(
            401, "authentication_failed: invalid or revoked token.", "UNAUTHENTICATED"
        )
    if not token_grants(token, "read"):
        return None, error_response(
            403, "insufficient_scope: GraphQL needs a token with the 'read' scope.", "FORBIDDEN"
        )
    return token, None


def graphiql_allowed() -> bool:
    return bool(settings.DEBUG or settings.GRAPHQL_GRAPHIQL)


@method_decorator(csrf_exempt, name="dispatch")  # token auth, no cookies: no CSRF to fear
class PortalGraphQLView(GraphQLView):
    graphql_ide = "graphiql"
    allow_queries_via_get = True

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and self._wants_html(request):
            if not graphiql_allowed():
                return error_response(404, "not_found: GraphiQL is not enabled.", "NOT_FOUND")
            return self.render_graphql_ide(request)
        token, refused = bearer_token(request)
        if refused is not None:
            return refused
        token_touch(token=token)
        request.auth = token  # accounts.context.api_account reads it (filtersets)
        request.graphql_account = token.account
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _wants_html(request) -> bool:
        accept = request.headers.get("Accept", "")
        return "text/html" in accept and "query" not in request.GET

    def get_context(self, request, response) -> GraphQLContext:
        return GraphQLContext(
            request=request, response=response, account=request.graphql_account, now=timezone.now()
        )

    def render_graphql_ide(self, request) -> HttpResponse:
        # Self-hosted GraphiQL (static files, no CDN): see templates/graphql/graphiql.html.
        response = render(request, "graphql/graphiql.html", {"endpoint": request.path})
        return set_policy(response, GRAPHIQL_POLICY)
