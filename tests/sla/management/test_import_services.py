"""python manage.py import_services --account SLUG FILE..."""

import io

import pytest
from django.core.management import CommandError, call_command

from sla.models import Service

pytestmark = pytest.mark.django_db


def test_imports_files_and_stdin(tenants, tmp_path, monkeypatch, capsys):
    (tmp_path / "api.yaml").write_text(
        "path: payment/api\nslaGroup: payment-system\nlabels: {team: pay}\n"
    )
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("- path: shop/web\n- path: shop/cart\n  slaGroup: shop\n")
    )
    call_command("import_services", "--account", "alpha", str(tmp_path / "api.yaml"), "-")
    out = capsys.readouterr().out
    assert "3 created, 0 updated, 0 unchanged." in out and "group created: shop" in out
    assert Service.objects.get(account=tenants.a, path="payment/api").group.name == "payment-system"
    call_command("import_services", "--account", "alpha", str(tmp_path / "api.yaml"))
    assert "0 created, 0 updated, 1 unchanged." in capsys.readouterr().out


def test_errors_name_file_document_and_field(tenants, tmp_path, capsys):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("path: fine\n")
    bad.write_text("path: ok\n---\npath: also ok\nslagroup: typo\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_services", "--account", "alpha", str(good), str(bad))
    err = capsys.readouterr().err
    assert f"{bad}: document 1: path:" in err and f"{bad}: document 1: slagroup:" in err
    assert not Service.objects.filter(account=tenants.a).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "nope", "x.yaml"], "no account"),
        (["--account", "alpha", "/does/not/exist.yaml"], "cannot read"),
    ],
)
def test_bad_arguments(tenants, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_services", *args)


def test_yaml_syntax_error(tenants, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("path: [\n")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("import_services", "--account", "alpha", str(broken))
