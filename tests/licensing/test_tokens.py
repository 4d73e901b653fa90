"""Licence tokens: real Ed25519 signatures; every bad licence refused with its reason."""

import base64
import datetime as dt
import json

import jwt
import pytest

from licensing.tokens import (
    LicenseError,
    issue_license_token,
    load_public_key,
    verify_license_token,
)
from tests.licensing.conftest import NOW, _b64, licence, unsigned_licence


def test_a_licence_verifies_with_the_vendors_key(keys):
    claims = verify_license_token(licence(keys, max_services=5), keys.public_pem)
    assert claims.sub == "ACME Corp" and claims.plugins == ("sla",)
    assert claims.expires_at == NOW + dt.timedelta(days=30) and claims.max_services == 5


def _hs256() -> str:
    return jwt.encode({"sub": "x", "plugins": ["sla"], "iat": 1, "exp": 2}, "k" * 32, "HS256")


def _tampered(keys) -> str:
    header, payload, signature = licence(keys).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["plugins"] = ["sla", "everything"]
    return f"{header}.{_b64(claims)}.{signature}"


def _signed(keys, claims: dict) -> str:
    from licensing.tokens import load_private_key

    return jwt.encode(claims, load_private_key(keys.private_pem), algorithm="EdDSA")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda keys: licence(keys, stranger=True), "signature does not verify"),
        (_tampered, "signature does not verify"),
        (lambda keys: unsigned_licence(), "alg 'none'"),
        (lambda keys: _hs256(), "algorithm 'HS256' refused"),
        (lambda keys: "not-a-jwt", "malformed licence"),
        (lambda keys: "a.b.c", "malformed licence"),
        (lambda keys: "", "no licence given"),
        (lambda keys: "x" * 20000, "too long"),
        (lambda keys: _signed(keys, {"sub": "A", "iat": 1, "exp": 2}), "missing claim 'plugins'"),
        (lambda keys: _signed(keys, {"plugins": ["sla"], "iat": 1, "exp": 2}), "claim 'sub'"),
        (
            lambda keys: _signed(keys, {"sub": "A", "plugins": "sla", "iat": 1, "exp": 2}),
            "list of strings",
        ),
        (
            lambda keys: _signed(keys, {"sub": "A", "plugins": [], "iat": 1, "exp": "soon"}),
            "claim 'exp' must be a whole number",
        ),
        (
            lambda keys: _signed(
                keys, {"sub": "A", "plugins": [], "iat": 1, "exp": 2, "max_services": 0}
            ),
            "max_services",
        ),
    ],
)
def test_bad_licences_are_refused_with_the_reason(make, reason, keys):
    with pytest.raises(LicenseError, match=reason):
        verify_license_token(make(keys), keys.public_pem)


@pytest.mark.parametrize(
    ("pem", "reason"),
    [("nonsense", "not a PEM public key"), ("", "not a PEM public key")],
)
def test_bad_public_keys_are_refused(pem, reason):
    with pytest.raises(LicenseError, match=reason):
        load_public_key(pem)


def test_an_rsa_key_is_not_an_ed25519_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(LicenseError, match="not an Ed25519 key"):
        load_public_key(pem)


def test_issuing_needs_a_licensee_and_days(keys):
    with pytest.raises(LicenseError, match="sub"):
        issue_license_token(private_key_pem=keys.private_pem, sub=" ", plugins=[], now=NOW, days=1)
    with pytest.raises(LicenseError, match="days"):
        issue_license_token(private_key_pem=keys.private_pem, sub="A", plugins=[], now=NOW, days=0)
