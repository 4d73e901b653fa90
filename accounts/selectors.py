"""Reads for accounts, memberships and tokens."""

from accounts.models import Account, ApiToken, Membership
from accounts.tokens import secrets_match, split_token


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The active token matching a presented secret, or None."""
    prefix = split_token(secret)
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("account").filter(prefix=prefix).first()
    if token is None or not token.is_active or not secrets_match(secret, token.hashed_secret):
        return None
    return token


def accounts_for_user(*, user):
    if not user or not user.is_authenticated:
        return Account.objects.none()
    if user.is_superuser:
        return Account.objects.all()
    account_ids = Membership.objects.filter(user=user).values("account_id")
    return Account.objects.filter(pk__in=account_ids)


def membership_for(*, user, account: Account) -> Membership | None:
    if not user or not user.is_authenticated:
        return None
    return Membership.objects.for_account(account).filter(user=user).first()


def token_is_admin(*, token: ApiToken) -> bool:
    """Tokens from operator commands, or issued by an owner/admin, may manage tokens."""
    if token.created_by_id is None:
        return True
    membership = membership_for(user=token.created_by, account=token.account)
    return membership is not None and membership.can_write
