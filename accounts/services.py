"""Writes for accounts, memberships and tokens."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ApiToken, Membership, Role, validate_scopes
from accounts.tokens import generate_secret
from accounts.validators import validate_timezone_name

# last_used_at is informational; writing it on every request would cost a row update per
# ingest call, so it is refreshed at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def account_create(
    *, name: str, slug: str, timezone_name: str = "UTC", sla_feature: bool = True
) -> Account:
    validate_timezone_name(timezone_name)
    account = Account(name=name, slug=slug, timezone=timezone_name, feature_sla=sla_feature)
    account.full_clean()
    account.save()
    return account


def membership_set(*, account: Account, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use owner, admin or viewer."})
    membership, _ = Membership.objects.update_or_create(
        account=account, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def token_create(
    *, account: Account, name: str, scopes: list[str], created_by=None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never retrievable again."""
    validate_scopes(scopes)
    new_secret = generate_secret()
    token = ApiToken.objects.create(
        account=account,
        name=name,
        prefix=new_secret.prefix,
        hashed_secret=new_secret.hashed,
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return token, new_secret.secret


def token_revoke(*, account: Account, token_id: int) -> ApiToken:
    token = ApiToken.objects.for_account(account).get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def operator_user_ensure(*, username: str, password: str, email: str = ""):
    """Create or reset a staff login (demo and first set-up only)."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.set_password(password)
    user.save()
    return user
