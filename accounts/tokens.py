"""API token format: `slap_<prefix>_<secret>`; only the SHA-256 of the whole string is kept.

Tokens carry 240 bits of randomness, so a fast hash is enough (a slow password hash would
only slow down every API request).
"""

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

TOKEN_PREFIX = "slap"  # noqa: S105 - a public marker, not a secret
PREFIX_ALPHABET = string.ascii_lowercase + string.digits
PREFIX_LENGTH = 8


@dataclass(frozen=True)
class NewSecret:
    prefix: str
    secret: str  # the full token string, shown once
    hashed: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generate_secret() -> NewSecret:
    prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(30)}"
    return NewSecret(prefix=prefix, secret=token, hashed=hash_token(token))


def split_token(token: str) -> str | None:
    """Return the visible prefix of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != PREFIX_LENGTH:
        return None
    return parts[1]


def secrets_match(token: str, hashed: str) -> bool:
    return hmac.compare_digest(hash_token(token), hashed)
