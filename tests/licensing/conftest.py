"""Licence fixtures: real Ed25519 keys (the vendor's and a stranger's), tokens signed with
them, and the settings of a deployment that requires a licence."""

import base64
import datetime as dt
import json
from dataclasses import dataclass

import pytest

from licensing.tokens import generate_keypair, issue_license_token

NOW = dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Keys:
    private_pem: str
    public_pem: str
    stranger_private_pem: str


@pytest.fixture(scope="session")
def keys() -> Keys:
    private_pem, public_pem = generate_keypair()
    stranger_private_pem, _ = generate_keypair()
    return Keys(private_pem, public_pem, stranger_private_pem)


def licence(keys: Keys, *, days_left: float = 30, plugins=("sla",), stranger=False, **extra):
    """A licence issued 100 days before it expires, expiring `days_left` days after NOW."""
    expires = NOW + dt.timedelta(days=days_left)
    return issue_license_token(
        private_key_pem=keys.stranger_private_pem if stranger else keys.private_pem,
        sub="ACME Corp",
        plugins=list(plugins),
        now=expires - dt.timedelta(days=100),
        days=100,
        **extra,
    )


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_licence() -> str:
    """`alg: none`: a well-formed licence without a signature."""
    claims = {"sub": "ACME Corp", "plugins": ["sla"], "iat": 1, "exp": 4102444800}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.fixture
def licensed(settings, keys):
    """A deployment that requires a licence and knows the vendor's public key."""
    settings.SLA_LICENSE_PUBLIC_KEY = keys.public_pem
    settings.SLA_LICENSE_REQUIRED = True
    settings.SLA_LICENSE = ""
    return settings
