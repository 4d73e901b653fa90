"""Reads for accounts, memberships and tokens."""

from functools import lru_cache

from accounts.models import Account, ApiToken, Membership
from accounts.tokens import secrets_match, split_token
from slaportal.db import (
    fetch_one_checking_connection,
    instance_from_row,
    is_postgres,
    prepared,
)


def token_for_secret(*, secret: str) -> ApiToken | None:
    """The active token matching a presented secret (its account loaded with it), or None."""
    prefix = split_token(secret)
    if prefix is None:
        return None
    if is_postgres():
        token = _token_by_prefix_prepared(prefix)
    else:
        token = ApiToken.objects.select_related("account").filter(prefix=prefix).first()
    if token is None or not token.is_active or not secrets_match(secret, token.hashed_secret):
        return None
    return token


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


# Facts about the token's account that other apps need on many API requests (whether it has
# an enabled portal link: every ingest asks), read in the token statement instead of a
# query of their own: attribute set on the token's Account -> an SQL boolean over its row
# `a`. Registered from the apps' ready() with account_fact_add. Only the PostgreSQL lookup
# reads them: an account without the attribute is "not known", and its callers ask the
# database as before.
_ACCOUNT_FACTS: dict[str, str] = {}


def account_fact_add(*, name: str, sql: str) -> None:
    """Have every token lookup set `account.<name>` to the boolean `sql` (over the account
    row, alias `a`) as of the lookup."""
    _ACCOUNT_FACTS[name] = sql
    _token_sql.cache_clear()


# Every API request authenticates, agents many times a second: on PostgreSQL the lookup is
# one prepared statement (no ORM compilation, no planning), the same row as
# select_related("account") would give, plus the account facts.
@lru_cache
def _token_sql(model=None) -> str:
    """The token statement; with `model`, also the row of it whose id is the first
    parameter, in the token's account (LEFT JOIN: NULLs when there is none)."""
    facts = "".join(f", ({sql})" for sql in _ACCOUNT_FACTS.values())
    columns = f"{_columns(ApiToken, 't')}, {_columns(Account, 'a')}{facts}"
    joins = (
        f'"{ApiToken._meta.db_table}" AS t JOIN "{Account._meta.db_table}" AS a '
        'ON a."id" = t."account_id"'
    )
    if model is not None:
        columns += f", {_columns(model, 'o')}"
        joins += (
            f' LEFT JOIN "{model._meta.db_table}" AS o ON o."id" = %s '
            'AND o."account_id" = t."account_id"'
        )
    return f'SELECT {columns} FROM {joins} WHERE t."prefix" = %s'  # noqa: S608


def _token_from_row(row) -> tuple[ApiToken, tuple]:
    """The token (its account and the account facts set) from the start of `row`, and the
    rest of the row."""
    width = len(ApiToken._meta.concrete_fields)
    token = instance_from_row(ApiToken, row[:width])
    end = width + len(Account._meta.concrete_fields)
    token.account = instance_from_row(Account, row[width:end])
    for name, value in zip(_ACCOUNT_FACTS, row[end:], strict=False):
        setattr(token.account, name, value)
    return token, row[end + len(_ACCOUNT_FACTS) :]


def _token_by_prefix_prepared(prefix: str) -> ApiToken | None:
    # Usually the request's first query: it checks the kept connection too (no SELECT 1).
    row = fetch_one_checking_connection(_token_sql(), [prefix], prepare=prepared())
    if row is None:
        return None
    return _token_from_row(row)[0]


def token_for_secret_with_row(*, secret: str, model, pk: int | None):
    """`token_for_secret`, and in the same query the row `pk` of tenant model `model` in
    the token's account: (token or None, row or None; another account's row is None). One
    round trip for endpoints whose every request reads one object of the path."""
    prefix = split_token(secret)
    if prefix is None:
        return None, None
    if pk is None or not -(2**63) <= pk < 2**63 or not is_postgres():
        token = token_for_secret(secret=secret)
        if token is None or pk is None or not -(2**63) <= pk < 2**63:
            return token, None
        return token, model.objects.for_account(token.account).filter(pk=pk).first()
    row = fetch_one_checking_connection(_token_sql(model), [pk, prefix], prepare=prepared())
    if row is None:
        return None, None
    token, rest = _token_from_row(row)
    if not token.is_active or not secrets_match(secret, token.hashed_secret):
        return None, None
    if rest[0] is None:  # the id: no such row in the token's account
        return token, None
    found = instance_from_row(model, rest)
    found.account = token.account
    return token, found


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
