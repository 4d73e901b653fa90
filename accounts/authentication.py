"""Bearer token authentication for the API: the token decides the account."""

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from accounts.selectors import token_for_secret
from accounts.services import token_touch


@dataclass(frozen=True)
class TokenPrincipal:
    """request.user for token requests: the account's machine identity, not a person."""

    token_id: int
    account_id: int
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False

    def __str__(self) -> str:
        return f"token:{self.token_id}"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Authorization header must be 'Bearer <token>' with no spaces in the token."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Token contains invalid characters.") from None
        token = self.token_for(request, secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        token_touch(token=token)
        return TokenPrincipal(token_id=token.pk, account_id=token.account_id), token

    def token_for(self, request, secret: str):
        """The active token of `secret`, or None. A view with a `token_lookup(request,
        secret)` looks it up itself (to read what it needs in the same query)."""
        view = (getattr(request, "parser_context", None) or {}).get("view")
        lookup = getattr(view, "token_lookup", None)
        if lookup is not None:
            return lookup(request, secret)
        return token_for_secret(secret=secret)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when no or a bad token is given.
        return 'Bearer realm="api"'
