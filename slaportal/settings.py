"""SLA Portal settings: read from environment variables only.

Every variable has a default that works on a laptop (see README "Configuration"); a bad value
stops start-up with ImproperlyConfigured naming the variable.
"""

import datetime as dt
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

from slaportal import csp
from slaportal.api.tags import TAG_DESCRIPTIONS
from slaportal.env import (
    SQLITE_OPTIONS,
    env_alias,
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_str,
    env_time_of_day,
    env_timezone,
    redis_tls_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SLA_VAR_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused unless DEBUG
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY: must be set to a secret value when DEBUG is false")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "simple_history",
    "slaportal",
    "audit",
    "accounts",
    "sla",
    "reporting",
    "statuspage",
    "integrations.channels",
    "integrations.vector",
    "integrations.prometheus",
    "integrations.federation",
    "agreements",
    "licensing",
    "slaviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "slaportal.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "statuspage.middleware.StatusPageHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives the audit log the request (session user or API token) behind each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.operator_time.OperatorTimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "slaportal.api.middleware.ApiJsonNotFoundMiddleware",
    # A view failing because PostgreSQL is unreachable answers 503 + Retry-After.
    "slaportal.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login into accounts.lockout's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "slaportal.urls"
WSGI_APPLICATION = "slaportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Reconnecting costs a request about 20 ms (and the prepared statements again), so a web
# process keeps its connection for this long; each request checks it first (health check),
# so one the server dropped is replaced, not failed on.
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 600)
DATABASES = {
    "default": env_database(
        "DATABASE_URL", str(VAR_DIR / "db.sqlite3"), conn_max_age=DATABASE_CONN_MAX_AGE
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several processes and threads (web, in-process jobs, the incident refresh after a
    # response) share the file. WAL lets reads go on while one writes; the busy timeout
    # makes a writer wait for another; IMMEDIATE transactions take the write lock when they
    # begin, so a transaction that read first never fails at once with "database is
    # locked" when it needs to write (SQLite cannot wait for a lock upgrade).
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
# PostgreSQL: the few set-based statements every ingest request runs (sla/sql.py
# prepared()) are prepared server-side per connection: their planning cost more than their
# execution (about 1 ms per single-event POST). Django's own queries never are.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares nothing, even on request, while the threshold is None (Django's
    # default); a threshold never reached keeps everything else unprepared.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if DATABASE_PREPARED_STATEMENTS else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend with one client per process (slaportal/cache.py).
            "BACKEND": "slaportal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "slaportal",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# django-axes first: it refuses a login through a locked door before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, every login form: /accounts/login/, /admin/login/): after
# LOGIN_FAILURE_LIMIT wrong passwords for one username, or from one client address
# (REMOTE_ADDR: a reverse proxy must pass the client's address), that door is locked for
# LOGIN_LOCKOUT_MINUTES (0: until unlocked), the right password included. Unlock:
# `manage.py axes_reset_username NAME`, `axes_reset_ip ADDRESS`, or the admin (Axes > Access
# attempts: delete). A successful login clears the user's failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=0)) or None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# axes logs a banner at every start-up: commands whose output is read (evaluate_sla's
# one-line errors, the make run log) must print only their own lines.
AXES_VERBOSE = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
# Storage and transport are always UTC; calendar maths uses the SLA's or account's zone.
TIME_ZONE = "UTC"
# Date-times shown without an explicit format carry their zone (slaportal/formats/en).
FORMAT_MODULE_PATH = ["slaportal.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from app dirs too, so `make run` needs no collectstatic
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS on every HTTPS answer (the status page's edge cache too, statuspage/edge.py).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto to know a request is HTTPS.
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sent on every HTML answer without a policy of its own (slaportal.csp): scripts, styles,
# fonts and images from this server only, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = csp.DEFAULT_POLICY

# --- Email -------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "slaportal.mail.ConsoleEmailBackend",  # attachments summarised, not dumped
)
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS / EMAIL_USE_SSL: set at most one of them")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SLA Portal <sla-portal@localhost>")

# --- SLA Portal --------------------------------------------------------------------------
# The SLA feature switch; the ITOps spelling ITOPS_PLUGINS_SLA_ENABLED=false turns it off
# exactly the same way (either one false: off).
SLA_ENABLED = env_bool("SLA_ENABLED", True) and env_bool("ITOPS_PLUGINS_SLA_ENABLED", True)
# Licences (licensing/): a JWT signed with Ed25519 by the vendor, verified with this public
# key (PEM text, or the path of a PEM file). SLA_LICENSE is the deployment's licence (the
# token or a file path); an account's own licence (admin, API) overrides it. With
# SLA_LICENSE_REQUIRED an account's SLA features need a valid licence listing "sla"; an
# expired one keeps working for SLA_LICENSE_GRACE_DAYS with a warning. A bad key or licence
# never stops start-up: the gate stays closed and says why (license_show, /api/v1/account).
SLA_LICENSE_PUBLIC_KEY = env_str("SLA_LICENSE_PUBLIC_KEY", "")
SLA_LICENSE = env_str("SLA_LICENSE", "")
SLA_LICENSE_REQUIRED = env_bool("SLA_LICENSE_REQUIRED", False)
SLA_LICENSE_GRACE_DAYS = env_int("SLA_LICENSE_GRACE_DAYS", 14)
SLA_REPORT_DIR = Path(env_str("SLA_REPORT_DIR", str(VAR_DIR / "reports")))
SLA_PUBLIC_BASE_URL = env_str("SLA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SLA_DEFAULT_TIMEZONE = env_timezone("SLA_DEFAULT_TIMEZONE", "UTC")
# Status ingest: events more than this far in the future are rejected per item (clock skew).
SLA_INGEST_MAX_FUTURE_SKEW_SECONDS = env_int("SLA_INGEST_MAX_FUTURE_SKEW_SECONDS", 300)
SLA_INGEST_MAX_BATCH = env_int("SLA_INGEST_MAX_BATCH", 10_000, minimum=1)
SLA_INGEST_MAX_BODY_BYTES = env_int("SLA_INGEST_MAX_BODY_BYTES", 32 * 1024 * 1024, minimum=1024)
# 5-minute snapshots (and their daily rollups) reach back at most this many days.
SLA_SNAPSHOT_MAX_DAYS = env_int("SLA_SNAPSHOT_MAX_DAYS", 400, minimum=1)
# Retention (sla.services.retention, daily job `retention`): snapshots older than
# SLA_SNAPSHOT_MAX_DAYS are removed (their daily rows stay); SLO hour buckets this many days
# after their day rows exist (at least 32: the dashboard's 30-day SLO chart reads hours);
# outbox messages this many days after their last delivery finished. Rows per transaction.
SLA_SLO_HOUR_RETENTION_DAYS = env_int("SLA_SLO_HOUR_RETENTION_DAYS", 35, minimum=32)
SLA_OUTBOX_RETENTION_DAYS = env_int("SLA_OUTBOX_RETENTION_DAYS", 30, minimum=1)
SLA_RETENTION_BATCH_SIZE = env_int("SLA_RETENTION_BATCH_SIZE", 2000, minimum=1)
# Raw request counts are kept unless this is set (days; 0: keep): older ones are removed,
# never less than 401 days (SLO buckets are recomputed up to 400 days back) nor within
# SLA_REQUEST_COUNTS_MAX_AGE_DAYS (a bucket sent again would count anew).
SLA_REQUEST_COUNT_RETENTION_DAYS = env_int("SLA_REQUEST_COUNT_RETENTION_DAYS", 0)
# Raw status events are kept unless this is set (days; 0: keep): older ones are removed by the
# retention job, except what a stored figure still needs (README "Retention"); events older
# than it are refused at ingest. At least max(SLA_SNAPSHOT_MAX_DAYS, 400) + 2 (system check
# sla.E001): the rollup and the SLO buckets recompute that far back.
SLA_EVENT_RETENTION_DAYS = env_int("SLA_EVENT_RETENTION_DAYS", 0, minimum=0)
# Days of status history `seed_demo` (make run) writes for the demo account.
SLA_DEMO_HISTORY_DAYS = env_int("SLA_DEMO_HISTORY_DAYS", 90, minimum=1)
# Request counts (API, nginx import, Vector) starting further back are refused: SLO buckets
# are recomputed at most 400 days back, so older counts could never count.
SLA_REQUEST_COUNTS_MAX_AGE_DAYS = env_int("SLA_REQUEST_COUNTS_MAX_AGE_DAYS", 400, minimum=1)
# Services (or groups) per transaction of the rollup unit; a crash loses at most one chunk.
SLA_ROLLUP_CHUNK_SIZE = env_int("SLA_ROLLUP_CHUNK_SIZE", 1000, minimum=1)
# Vector's http sink (integrations.vector): largest body, compressed or not (its default
# batch is 10 MB), and how long a batch's key is kept to answer a retry without counting it
# again.
SLA_VECTOR_MAX_BODY_BYTES = env_int("SLA_VECTOR_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024)
SLA_VECTOR_DEDUP_HOURS = env_int("SLA_VECTOR_DEDUP_HOURS", 24, minimum=1)
# Webhooks to loopback, private, link-local ... addresses are refused (SSRF) unless this is
# true (a receiver on the same host or LAN in a trusted, single-tenant setup).
SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)

# --- Federation (integrations.federation): plugin -> portal push -----------------------
# The deployment's default portal of accounts that push (their own URL/key, if set, win).
# SLA_PORTAL_* and the ITOps names ITOPS_SLA_PORTAL_* are the same setting (both set and
# different: start-up error). The deployment's URL is the operator's, so it may be a
# private address; a URL an account enters is held to the webhook address guard unless
# SLA_PORTAL_ALLOW_PRIVATE_NETWORKS (or SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS) is true.
SLA_PORTAL_URL = env_alias("SLA_PORTAL_URL", "ITOPS_SLA_PORTAL_URL", "").rstrip("/")
SLA_PORTAL_API_KEY = env_alias("SLA_PORTAL_API_KEY", "ITOPS_SLA_PORTAL_API_KEY", "")
SLA_PORTAL_ALLOW_PRIVATE_NETWORKS = env_bool("SLA_PORTAL_ALLOW_PRIVATE_NETWORKS", False)
# Receiving side: largest push body (a daily report of thousands of services with its PDF).
SLA_FEDERATION_MAX_BODY_BYTES = env_int(
    "SLA_FEDERATION_MAX_BODY_BYTES", 64 * 1024 * 1024, minimum=1024
)

# --- Prometheus integration ------------------------------------------------------------
# Prometheus source URLs are tenant input too: the same address guard as webhooks (SSRF);
# true lets sources be on loopback, private or link-local addresses (trusted setups).
SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = env_bool("SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS", False)
# A 5-minute slot of a PromQL SLI is fetched for good this long after its end (late scrapes
# and rule evaluations land first); younger slots are fetched again every minute.
SLA_PROMETHEUS_SETTLE_SECONDS = env_int("SLA_PROMETHEUS_SETTLE_SECONDS", 60)
# PromQL SLIs fetched at once per account (threads, each with its own connection): the
# fetch waits on Prometheus, not on this process, so a few in flight cut its wall time.
SLA_PROMETHEUS_FETCH_CONCURRENCY = env_int("SLA_PROMETHEUS_FETCH_CONCURRENCY", 4, minimum=1)
# Operators' scrape token for GET /metrics: every account's series (empty: only account
# tokens with the `metrics` scope, each seeing its own account).
SLA_METRICS_TOKEN = env_str("SLA_METRICS_TOKEN", "")

# --- Agreements (agreements/, AGREEMENTS.md) -------------------------------------------
# The original SLA Manager's variables, honoured as is. PROMETHEUS_ADDRESS: the Prometheus
# of agreements with no source of their own and no account default (operator-set, so a
# private address is allowed). SLA_NOTIFICATION_ENDPOINT: every agreement notification and
# violation is also POSTed there as plain JSON, through the outbox (empty: none).
PROMETHEUS_ADDRESS = env_str("PROMETHEUS_ADDRESS", "")
SLA_NOTIFICATION_ENDPOINT = env_str("SLA_NOTIFICATION_ENDPOINT", "")
# Instant queries in flight at once while assessing (per worker process).
AGREEMENTS_QUERY_CONCURRENCY = env_int("AGREEMENTS_QUERY_CONCURRENCY", 8, minimum=1)
# Due agreements claimed per batch (one transaction writes a batch's results).
AGREEMENTS_BATCH_SIZE = env_int("AGREEMENTS_BATCH_SIZE", 200, minimum=1)

# --- Public status pages ---------------------------------------------------------------
# Rendered pages stay fresh this long (automatic states change without a cache bump; a
# published incident or maintenance bumps the page's cache version at once).
STATUSPAGE_CACHE_SECONDS = env_int("STATUSPAGE_CACHE_SECONDS", 30, minimum=1)
STATUSPAGE_CACHE_CONTROL = (
    f"public, max-age={STATUSPAGE_CACHE_SECONDS}, stale-while-revalidate=60, stale-if-error=86400"
)
STATUSPAGE_CACHE_PREFIX = "sp"  # cache key prefix of rendered pages, versions and locks
# Scheme of canonical URLs of pages that have a custom domain.
STATUSPAGE_DOMAIN_SCHEME = env_choice("STATUSPAGE_DOMAIN_SCHEME", "https", {"http", "https"})


def _statuspage_app_hosts() -> frozenset[str] | None:
    """Hosts serving the whole application; other non-custom-domain hosts get a 404.

    Default: the exact names in ALLOWED_HOSTS plus the host of SLA_PUBLIC_BASE_URL; None
    (every host) when ALLOWED_HOSTS is "*" and STATUSPAGE_APP_HOSTS is not set.
    """
    explicit = env_list("STATUSPAGE_APP_HOSTS", [])
    if explicit:
        return frozenset(host.lower() for host in explicit)
    if "*" in ALLOWED_HOSTS:
        return None
    names = {host.lower() for host in ALLOWED_HOSTS if not host.startswith(".")}
    names.add((urlparse(SLA_PUBLIC_BASE_URL).hostname or "").lower())
    return frozenset(name for name in names if name)


STATUSPAGE_APP_HOSTS = _statuspage_app_hosts()
# Subscriptions (statuspage.subscriptions): confirmation links expire after this many hours
# (unconfirmed subscriptions are then removed); at most CLIENT_LIMIT subscription requests
# per client (IP address) per hour and ADDRESS_LIMIT confirmation mails per address and
# page per day.
STATUSPAGE_SUBSCRIBE_CONFIRM_HOURS = env_int("STATUSPAGE_SUBSCRIBE_CONFIRM_HOURS", 48, minimum=1)
STATUSPAGE_SUBSCRIBE_CLIENT_LIMIT = env_int("STATUSPAGE_SUBSCRIBE_CLIENT_LIMIT", 10, minimum=1)
STATUSPAGE_SUBSCRIBE_ADDRESS_LIMIT = env_int("STATUSPAGE_SUBSCRIBE_ADDRESS_LIMIT", 3, minimum=1)
# Daily reports: built every day at this UTC time for the previous day in each account's
# time zone; days missed (job down) are caught up, at most this many days back.
SLA_REPORT_TIME = env_time_of_day("SLA_REPORT_TIME", "00:05")
SLA_REPORT_CATCHUP_DAYS = env_int("SLA_REPORT_CATCHUP_DAYS", 7, minimum=1)

# --- GraphQL (/graphql) --------------------------------------------------------------------
# GraphiQL (the in-browser IDE, self-hosted) is served when DEBUG or this is true.
GRAPHQL_GRAPHIQL = env_bool("GRAPHQL_GRAPHIQL", False)
# Limits against abusive queries, each a clear GraphQL error: nested fields, page size of
# every list (`first`), and the objects a query could return (pages x nested lists).
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10, minimum=2)
GRAPHQL_DEFAULT_PAGE_SIZE = env_int("GRAPHQL_DEFAULT_PAGE_SIZE", 100, minimum=1)
GRAPHQL_MAX_PAGE_SIZE = env_int("GRAPHQL_MAX_PAGE_SIZE", 1000, minimum=1)
GRAPHQL_MAX_NODES = env_int("GRAPHQL_MAX_NODES", 50_000, minimum=100)

# --- REST API ----------------------------------------------------------------------------
# API rate limits: requests per token per API_RATE_LIMIT_WINDOW_SECONDS, by the scope the
# request needs (0: no limit). Ingest is generous (an agent's bursts after an outage).
API_RATE_LIMIT_WINDOW_SECONDS = env_int("API_RATE_LIMIT_WINDOW_SECONDS", 60, minimum=1)
API_RATE_LIMITS = {
    "ingest": env_int("API_RATE_LIMIT_INGEST", 60_000, minimum=0),
    "read": env_int("API_RATE_LIMIT_READ", 1_200, minimum=0),
    "write": env_int("API_RATE_LIMIT_WRITE", 300, minimum=0),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasAccount"],
    "DEFAULT_PAGINATION_CLASS": "slaportal.api.pagination.PagePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["accounts.filters.AccountFilterBackend"],
    # Documents tags, summaries and every error answer of every operation (new ones too).
    "DEFAULT_SCHEMA_CLASS": "slaportal.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "slaportal.api.errors.json_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["slaportal.api.parsers.StorableTextJSONParser"],
    "UNAUTHENTICATED_USER": None,
    # Per token and scope, limits below (slaportal/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["slaportal.api.throttling.TokenRateThrottle"],
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SLA Portal API",
    "DESCRIPTION": "Multi-tenant SLA telemetry: status ingest, SLA results, SLOs, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "TAGS": TAG_DESCRIPTIONS,
    "SWAGGER_UI_SETTINGS": {"docExpansion": "none", "tagsSorter": "alpha", "filter": True},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "slaportal.api.schema.strip_trailing_slashes",
    ],
    # Self-hosted Swagger UI assets: no CDN (the docs page must work offline).
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "statuspage.models.IncidentStatus",
        "MaintenanceStatusEnum": "statuspage.models.MaintenanceStatus",
        "AffectedComponentStatusEnum": "statuspage.models.AFFECTED_COMPONENT_STATUSES",
        # One name for the service-state choices used by events, incidents and services.
        "ServiceStateEnum": "sla.models.services.STATE_CHOICES",
        "EventTypesEnum": "reporting.models.EVENT_TYPES",
        "ConditionOperatorEnum": "integrations.prometheus.models.Operator",
        "AgreementLevelEnum": "agreements.models.Level",
        "AgreementOutcomeEnum": "agreements.models.Outcome",
        # An SLA view's period states and the worst of them share one set of choices.
        "SLAViewResultStateEnum": "slaviews.selectors.RESULT_STATES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ------------------------------------------------------------------------------
# Eager tasks still acquire a producer: name a host so kombu does not warn about it.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
# Without Redis every task runs in the caller's process, so `make run` needs no broker.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_ACKS_LATE = True  # a killed worker's unit is redelivered; units are idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
# kombu's Redis transport with the fix for a worker that exited on losing Redis (see
# slaportal/broker.py), for plain and TLS (rediss://) URLs alike.
CELERY_BROKER_TRANSPORT = (
    "slaportal.broker:Transport"
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else None
)
# rediss://: the certificate is checked as the cache and locks check it (redis-py's
# ssl_cert_reqs / ssl_ca_certs / ssl_certfile / ssl_keyfile query arguments of REDIS_URL).
CELERY_BROKER_USE_SSL = redis_tls_options("REDIS_URL", REDIS_URL) or False
# A unit running when the broker goes away is stopped and redelivered (units are idempotent)
# instead of finishing with an acknowledgement nobody can receive (Celery 6's default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Celery's Django fixup closes every database connection before and after every task unless
# this says after how many tasks; a new PostgreSQL backend per task (fork, authentication,
# cold catalog cache, no prepared statements) cost more than a short job's own queries.
# Worker tasks keep their connection as requests do instead: slaportal/celery.py checks it
# before each task and closes it after one when it is broken or older than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = 2**31
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "slaportal")

LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)},
}
