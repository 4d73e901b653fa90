"""Licence tokens: JWTs signed with Ed25519 (EdDSA) by the vendor, verified with the
deployment's public key. Pure functions (no Django): keys and tokens in, claims or a clear
reason out. Expiry is judged by the caller (licensing.selectors), with its grace period.

Claims: `sub` (the licensee), `plugins` (scopes such as "sla"), `exp` and `iat` (seconds
since the epoch), optional `max_services` (a positive integer).
"""

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ("sub", "plugins", "exp", "iat")
MAX_TOKEN_LENGTH = 16_384


class LicenseError(ValueError):
    """A licence or key that cannot be used; the message says why, for people."""


@dataclass(frozen=True)
class LicenseClaims:
    """The verified content of a licence."""

    sub: str
    plugins: tuple[str, ...]
    issued_at: dt.datetime
    expires_at: dt.datetime
    max_services: int | None = None


def generate_keypair() -> tuple[str, str]:
    """(private key PEM, public key PEM) of a new Ed25519 key pair."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def load_public_key(pem: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise LicenseError("the public key is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LicenseError("the public key is not an Ed25519 key") from None
    return key


def load_private_key(pem: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise LicenseError("the private key is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LicenseError("the private key is not an Ed25519 key")
    return key


def issue_license_token(
    *,
    private_key_pem: str,
    sub: str,
    plugins: list[str],
    now: dt.datetime,
    days: int,
    max_services: int | None = None,
) -> str:
    """A licence for `sub` with `plugins`, valid `days` days from `now` (vendor side)."""
    if not sub.strip():
        raise LicenseError("sub: give the licensee's name")
    if days < 1:
        raise LicenseError("days: give at least 1")
    claims = {
        "sub": sub,
        "plugins": list(plugins),
        "iat": int(now.timestamp()),
        "exp": int((now + dt.timedelta(days=days)).timestamp()),
    }
    if max_services is not None:
        claims["max_services"] = max_services
    return jwt.encode(claims, load_private_key(private_key_pem), algorithm=ALGORITHM)


def _check_header(token: str) -> None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise LicenseError(
            "malformed licence: not a JWT (three base64url parts separated by dots)"
        ) from None
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none":
        raise LicenseError("unsigned licence (alg 'none') refused")
    if algorithm != ALGORITHM:
        raise LicenseError(
            f"algorithm {algorithm[:20]!r} refused: licences are signed with EdDSA (Ed25519)"
        )


def _timestamp(claims: dict, name: str) -> dt.datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise LicenseError(f"claim '{name}' must be a whole number of seconds since 1970")
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise LicenseError(f"claim '{name}' is out of range") from None


def _claims(claims: dict) -> LicenseClaims:
    for name in REQUIRED_CLAIMS:
        if name not in claims:
            raise LicenseError(f"missing claim '{name}'")
    sub, plugins = claims["sub"], claims["plugins"]
    if not isinstance(sub, str) or not sub.strip():
        raise LicenseError("claim 'sub' must be the licensee's name")
    if not isinstance(plugins, list) or not all(isinstance(item, str) for item in plugins):
        raise LicenseError("claim 'plugins' must be a list of strings, e.g. [\"sla\"]")
    max_services = claims.get("max_services")
    if max_services is not None and (
        isinstance(max_services, bool) or not isinstance(max_services, int) or max_services < 1
    ):
        raise LicenseError("claim 'max_services' must be a positive whole number")
    return LicenseClaims(
        sub=sub,
        plugins=tuple(plugins),
        issued_at=_timestamp(claims, "iat"),
        expires_at=_timestamp(claims, "exp"),
        max_services=max_services,
    )


@lru_cache(maxsize=256)
def verify_license_token(token: str, public_key_pem: str) -> LicenseClaims:
    """The claims of a licence whose EdDSA signature verifies with the key; LicenseError
    naming the reason otherwise (bad signature, wrong or no algorithm, malformed, missing
    or ill-typed claims). Expiry is not judged here (see the selectors' grace period)."""
    token = token.strip()
    if not token:
        raise LicenseError("no licence given")
    if len(token) > MAX_TOKEN_LENGTH:
        raise LicenseError("malformed licence: too long")
    _check_header(token)
    key = load_public_key(public_key_pem)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.InvalidSignatureError:
        raise LicenseError(
            "signature does not verify with SLA_LICENSE_PUBLIC_KEY (another vendor key, or "
            "an altered licence)"
        ) from None
    except (jwt.DecodeError, json.JSONDecodeError, UnicodeError):
        raise LicenseError("malformed licence: its payload is not a JSON object") from None
    except jwt.InvalidTokenError as error:
        raise LicenseError(f"invalid licence: {error}") from None
    return _claims(claims)
