"""license_keygen, license_issue and license_show: the vendor's and the operator's tools."""

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command

from licensing.tokens import verify_license_token
from tests.licensing.conftest import unsigned_licence

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_keygen_issue_show_round_trip(tmp_path, settings):
    key = tmp_path / "vendor.pem"
    public_pem = _run("license_keygen", "--out", str(key))
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert (tmp_path / "vendor.pem.pub").read_text() == public_pem
    token = _run(
        "license_issue",
        "--key",
        str(key),
        "--sub",
        "ACME Corp",
        "--plugins",
        "sla,tickets",
        "--days",
        "30",
        "--max-services",
        "50",
    ).strip()
    claims = verify_license_token(token, public_pem)
    assert claims.plugins == ("sla", "tickets") and claims.max_services == 50
    settings.SLA_LICENSE_PUBLIC_KEY = str(tmp_path / "vendor.pem.pub")
    settings.SLA_LICENSE = token
    shown = _run("license_show")
    assert "licensee:  ACME Corp" in shown and "state:     valid" in shown
    assert "SLA:       on" in shown and "at most 50" in shown


def test_keygen_never_overwrites_a_key(tmp_path):
    key = tmp_path / "vendor.pem"
    key.write_text("precious")
    with pytest.raises(CommandError, match="refusing to overwrite"):
        _run("license_keygen", "--out", str(key))
    assert key.read_text() == "precious"


def test_issue_with_an_unreadable_key_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="--key: cannot read"):
        _run(
            "license_issue",
            "--key",
            str(tmp_path / "none.pem"),
            "--sub",
            "A",
            "--plugins",
            "sla",
            "--days",
            "1",
        )


def test_show_says_why_not(tmp_path, settings, keys):
    settings.SLA_LICENSE_PUBLIC_KEY = keys.public_pem
    shown = _run("license_show", "--token", unsigned_licence())
    assert "state:     invalid" in shown and "why not:   unsigned licence" in shown
    assert "SLA:       off" in shown


def test_show_of_an_account(tenants, settings, keys):
    settings.SLA_LICENSE_PUBLIC_KEY = keys.public_pem
    assert "state:     missing" in _run("license_show", "--account", "alpha")
    with pytest.raises(CommandError, match="no account"):
        _run("license_show", "--account", "nobody")
