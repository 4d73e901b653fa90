"""Settings come from the environment; a bad value stops start-up naming the variable.

Most cases execute the settings module in this process with the given environment (an
interpreter per case costs seconds of Django start-up); one bad value and the production
start are real start-ups."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from slaportal import env

ROOT = Path(__file__).resolve().parents[2]


def _start(**variables) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with the given environment."""
    environment = {key: value for key, value in os.environ.items() if key not in variables}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "slaportal.settings"},
        capture_output=True,
        text=True,
        check=False,
    )


def _settings(**variables) -> dict:
    """The settings module's names as it computes them with `variables` in the environment."""
    with mock.patch.dict(os.environ, variables):
        return runpy.run_path(str(ROOT / "slaportal" / "settings.py"))


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "false", "SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"REDIS_URL": "rediss://localhost/0?ssl_cert_reqs=sometimes"}, "REDIS_URL"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"SLA_ENABLED": "perhaps"}, "SLA_ENABLED"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SLA_DEFAULT_TIMEZONE": "Mars/Olympus"}, "SLA_DEFAULT_TIMEZONE"),
        (
            {"DATABASE_URL": "postgres://u@127.0.0.1/x", "DATABASE_PREPARED_STATEMENTS": "?"},
            "DATABASE_PREPARED_STATEMENTS",
        ),
        ({"DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE"),
        ({"DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE"),
    ],
)
def test_bad_values_fail_at_start_naming_the_variable(variables, named):
    with pytest.raises(ImproperlyConfigured, match=f"{named}:"):
        _settings(**variables)


def test_a_bad_value_stops_a_real_start_up_naming_the_variable():
    result = _start(EMAIL_PORT="twenty-five")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "EMAIL_PORT:" in result.stderr


def test_production_start_with_secret_key_works():
    result = _start(DEBUG="false", SECRET_KEY="a-real-secret-value-for-the-test")
    assert result.returncode == 0, result.stderr


def _printed(expression: str, **variables) -> str:
    """What `expression` (over `settings`) prints in a fresh process with `variables` (a
    real start-up: django.setup(), apps ready)."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    environment = {**os.environ, **variables, "DJANGO_SETTINGS_MODULE": "slaportal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _prepared_setting(**variables) -> str:
    computed = _settings(**variables)
    threshold = computed["DATABASES"]["default"].get("OPTIONS", {}).get("prepare_threshold")
    return f"{computed['DATABASE_PREPARED_STATEMENTS']} {threshold}"


def test_hot_statements_are_prepared_unless_turned_off():
    url = "postgres://u@127.0.0.1:5432/sla"
    # Only statements executed with prepare=True are prepared: the connection's automatic
    # threshold is never reached (None would refuse even those).
    assert _prepared_setting(DATABASE_URL=url) == f"True {2**31 - 1}"
    assert _prepared_setting(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false") == (
        "False None"
    )


def test_helpers_defaults_and_parsing():
    assert env.env_bool("X", True, {}) is True
    assert env.env_bool("X", True, {"X": "off"}) is False
    assert env.env_int("X", 3, {"X": " 7 "}) == 7
    assert env.env_list("X", ["a"], {"X": "b, c,"}) == ["b", "c"]
    assert env.env_database("X", "/tmp/db.sqlite3", {})["ENGINE"].endswith("sqlite3")
    config = env.env_database("X", "", {"X": "postgres://u@127.0.0.1:5432/sla"})
    assert config["NAME"] == "sla" and config["ENGINE"].endswith("postgresql")
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (600, True)
    kept = env.env_database("X", "", {"X": "postgres://u@h/sla"}, conn_max_age=0)
    assert kept["CONN_MAX_AGE"] == 0
    with pytest.raises(ImproperlyConfigured, match="X:"):
        env.env_int("X", 0, {"X": "-1"})
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        env.env_database("X", "", {"X": "postgres://u@host"})


def test_time_is_utc(settings):
    assert settings.TIME_ZONE == "UTC" and settings.USE_TZ is True


def test_connections_are_kept_ten_minutes_unless_configured():
    url = "postgres://u@127.0.0.1:5432/sla"
    assert _settings(DATABASE_URL=url)["DATABASES"]["default"]["CONN_MAX_AGE"] == 600
    kept = _settings(DATABASE_URL=url, DATABASE_CONN_MAX_AGE="0")
    assert kept["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_plain_and_tls_brokers_use_the_project_transport():
    import ssl

    plain = _settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert plain["CELERY_BROKER_TRANSPORT"] == "slaportal.broker:Transport"
    assert plain["CELERY_BROKER_USE_SSL"] is False
    tls = _settings(REDIS_URL="rediss://redis.example:6380/0?ssl_ca_certs=/etc/ca.pem")
    assert tls["CELERY_BROKER_TRANSPORT"] == "slaportal.broker:Transport"
    assert tls["CELERY_BROKER_USE_SSL"] == {
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        "ssl_ca_certs": "/etc/ca.pem",
    }
