"""Environment helpers for settings: every value has a default and a bad value fails loudly.

A misspelt boolean or a malformed URL must stop the process at start-up with a message that
names the variable, not surface later as a confusing runtime error.
"""

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_alias(name: str, alias: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """A string setting that also answers to a second name (e.g. the ITOps spelling);
    both set to different values is an error, not a guess."""
    value, other = _raw(name, environ), _raw(alias, environ)
    if value is not None and other is not None and value != other:
        raise ImproperlyConfigured(f"{name} and {alias} are both set, to different values")
    chosen = value if value is not None else other
    return default if chosen is None else chosen


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}: expected true or false, got {value!r}")


def env_int(
    name: str, default: int, environ: Mapping[str, str] | None = None, minimum: int = 0
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(
    name: str,
    default_sqlite_path: str,
    environ: Mapping[str, str] | None = None,
    conn_max_age: int = 600,
):
    """Parse DATABASE_URL; only PostgreSQL and SQLite are supported. Connections are kept
    `conn_max_age` seconds and checked before reuse in each request."""
    import dj_database_url

    value = _raw(name, environ)
    if value is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path}
    scheme = urlparse(value).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name}: expected a postgres:// or sqlite:// URL, got scheme {scheme!r}"
        )
    try:
        config = dj_database_url.parse(value, conn_max_age=conn_max_age, conn_health_checks=True)
    except Exception as error:  # dj_database_url raises several kinds; all mean "bad URL"
        raise ImproperlyConfigured(f"{name}: cannot parse {value!r}: {error}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}: the URL names no database")
    return config


def env_redis_url(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    if value is None:
        return None
    if urlparse(value).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name}: expected a redis://, rediss:// or unix:// URL")
    return value


# TLS options of a rediss:// URL, in redis-py's own query names (so the cache, the locks and
# the broker read the same URL the same way).
REDIS_TLS_FILES = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
REDIS_CERT_REQS = {"none", "optional", "required"}


def redis_tls_options(name: str, url: str | None) -> dict | None:
    """The broker's TLS options for a ``rediss://`` URL, None for any other URL.

    kombu reads none of the URL's TLS query arguments and, without options, connects with
    no certificate check at all; redis-py (cache, locks) checks the certificate unless the
    URL says ``ssl_cert_reqs=none``. This gives the broker the same options from the same
    URL, so both verify by default against the system's CAs or ``ssl_ca_certs``.
    """
    import ssl

    if not url or urlparse(url).scheme != "rediss":
        return None
    query = {key: values[-1] for key, values in parse_qs(urlparse(url).query).items()}
    cert_reqs = query.get("ssl_cert_reqs", "required").lower()
    if cert_reqs not in REDIS_CERT_REQS:
        raise ImproperlyConfigured(
            f"{name}: ssl_cert_reqs must be one of {sorted(REDIS_CERT_REQS)}, got {cert_reqs!r}"
        )
    options = {"ssl_cert_reqs": getattr(ssl, f"CERT_{cert_reqs.upper()}")}
    options.update({key: query[key] for key in REDIS_TLS_FILES if query.get(key)})
    return options


def env_timezone(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env_str(name, default, environ)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}: unknown IANA time zone {value!r}") from None
    return value


def env_choice(
    name: str, default: str, choices: set[str], environ: Mapping[str, str] | None = None
) -> str:
    value = env_str(name, default, environ)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {sorted(choices)}, got {value!r}")
    return value


def env_time_of_day(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """A wall-clock time "HH:MM" (24-hour), returned normalised ("0:5" is refused)."""
    value = env_str(name, default, environ)
    hours, _, minutes = value.partition(":")
    if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
        raise ImproperlyConfigured(f"{name}: expected a time HH:MM (e.g. 00:05), got {value!r}")
    if int(hours) > 23 or int(minutes) > 59:
        raise ImproperlyConfigured(f"{name}: {value!r} is not a time of day (00:00-23:59)")
    return value


# Options of a SQLite database (the embedded default), see the settings.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
