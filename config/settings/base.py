"""Settings shared by every environment. Everything variable comes from the environment."""

from pathlib import Path
from typing import Any

import dj_database_url

from core.logs import formatter

from .env import env_bool, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(env_str("RUN_DIR", str(BASE_DIR / ".run")))

DEBUG = env_bool("DEBUG", False)
# The embedded default key is for `make run` only; production settings refuse it.
INSECURE_DEFAULT_SECRET_KEY = "insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Comma-separated Fernet keys: the first encrypts, all decrypt (see README, key rotation).
# The default key is public and serves the embedded demo only; production settings refuse it.
INSECURE_DEFAULT_ENCRYPTION_KEY = "ZGVtby1rZXktbm90LWZvci1wcm9kdWN0aW9uLXVzZSE="
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS", INSECURE_DEFAULT_ENCRYPTION_KEY)
# Web, worker and bot processes report their keys' fingerprints to Redis this often (seconds;
# 0: off), for rotate_encryption_keys' guard and keys_status (core/keyring.py).
KEYRING_HEARTBEAT_SECONDS = float(env_decimal("KEYRING_HEARTBEAT_SECONDS", "10"))

# Comma-separated keys of the audit chain's HMAC (core/audit.py), newest first: the first chains
# new rows, every listed key verifies the rows it chained (each row records its key's id). Kept
# out of the database, so that a database writer cannot recompute the chain. The default key is
# public and serves the embedded demo and the tests only; production settings refuse it.
INSECURE_DEFAULT_AUDIT_KEY = "demo-audit-key-not-for-production-use-0123456789"
AUDIT_KEYS = env_list("AUDIT_KEYS", INSECURE_DEFAULT_AUDIT_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc files served from here, not from a CDN
    "django_celery_beat",
    "allauth",
    "secrets_app.allauth_apps.LoginAccountConfig",  # allauth.account, relabelled
    "secrets_app.allauth_apps.LoginSocialAccountConfig",  # allauth.socialaccount, relabelled
    "allauth.socialaccount.providers.github",
    "core",
    "secrets_app",
    "accounts",
    "accounts.warming",
    "proxyshop",
    "viewstats",
    "shopbot",
    "grpcapi",
]

MIDDLEWARE = [
    # Liveness (/api/v1/health/live) answers before anything else can fail (core/middleware.py).
    "core.middleware.liveness",
    # First: settle the client address and the scheme (X-Forwarded-* believed only from trusted
    # proxies) before anything, SecurityMiddleware included, asks request.is_secure(); open the
    # actor context (core.context) that services and the audit log read.
    "core.middleware.RequestContextMiddleware",
    # A database or Redis outage raised by a view outside DRF is a 503 page (core/outage.py).
    "core.outage.OutageMiddleware",
    # One JSON access line and the request metrics per request, inside the actor context.
    "core.logs.AccessLogMiddleware",
    # Cache-Control: no-store on every answer that may carry a secret, credential or token.
    "core.middleware.NoStoreMiddleware",
    # Oversized bodies (by Content-Length, unread) and NUL bytes in path or query: refused here.
    "core.middleware.request_sanity",
    "core.https.HTTPSPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

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

# --- database: PostgreSQL when DATABASE_URL is set, embedded SQLite otherwise ---
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{RUN_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # On by default: a persistent connection is checked (one round trip) before the first
        # query of each request, so the first request after a database restart or failover is
        # served on a fresh connection instead of failing on the dead one (docs/decisions.md,
        # "Database outages"). Off saves that round trip where the database never restarts.
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # An unreachable database host fails a connection attempt after this many seconds (libpq
    # counts at least 2) instead of the system's TCP timeout: the request answers 503.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    # The few hand-written hot queries (config/db.py `hot_cursor`) are prepared once per
    # connection after 5 runs; the ORM's own queries never are (client-side binding). Turn off
    # behind a transaction-mode pooler that does not keep prepared statements (PgBouncer < 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each process remembers registry settings (core/registry.py) this many seconds: a
# change reaches the other processes within it (0: ask the shared cache on every read).
SETTINGS_LOCAL_TTL = float(env_decimal("SETTINGS_LOCAL_TTL", "1"))

# --- Redis: cache, token state, locks, rate limits, pub/sub, broker ---
REDIS_URL = env_str("REDIS_URL", "")
# Every Redis client (cache, locks, counters, streams; core/redis.py): a frozen or unreachable
# Redis costs a request at most these seconds, then the process treats Redis as down for
# REDIS_RETRY_SECONDS (commands fail at once) before trying again. Blocking reads (event
# streams, the SMS code wait) wait on the server by design and get the longer timeout.
REDIS_SOCKET_TIMEOUT = float(env_decimal("REDIS_SOCKET_TIMEOUT", "0.5"))
REDIS_CONNECT_TIMEOUT = float(env_decimal("REDIS_CONNECT_TIMEOUT", "0.5"))
REDIS_BLOCKING_TIMEOUT = float(env_decimal("REDIS_BLOCKING_TIMEOUT", "10"))
REDIS_RETRY_SECONDS = float(env_decimal("REDIS_RETRY_SECONDS", "2"))
# Retry-After of the 503 that answers a database or Redis outage (core/outage.py).
OUTAGE_RETRY_AFTER = float(env_decimal("OUTAGE_RETRY_AFTER", "5"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "pf"),
            "TIMEOUT": 300,
        }
    }
else:
    # Embedded mode: a file cache is shared by the web, worker and beat processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUN_DIR / "cache"),
            "TIMEOUT": 300,
        }
    }

SESSION_ENGINE = "core.sessions"

# Long-lived requests (event streams, SMS code waits: core/long_requests.py) a web process serves
# at once; more are answered 429 so that they never hold every request thread (default: half of
# gunicorn's threads, config/gunicorn.py reads the same GUNICORN_THREADS).
LONG_REQUESTS_PER_PROCESS = env_int(
    "LONG_REQUESTS_PER_PROCESS", max(1, env_int("GUNICORN_THREADS", 4) // 2)
)

AUTH_USER_MODEL = "secrets_app.User"
AUTHENTICATION_BACKENDS = [
    "secrets_app.backends.LockoutModelBackend",  # ModelBackend under the login lockout
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "secrets_app.validators.ConfiguredMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/auth/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(RUN_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Behind a reverse proxy the client address comes from X-Forwarded-For, but only when the
# direct peer is one of these networks (the security configuration can add more at run time).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# --- REST API ---
# Request bodies: one limit for every route (413 on API paths before the body is read, see
# core.middleware.request_sanity; Django's own form limit agrees), and JSON nesting depth.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "secrets_app.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Request bodies documented as JSON only, but where a contract takes forms (core/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "core.api.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Platform API",
    "DESCRIPTION": "Secrets store, account fleet, proxy shop and view statistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API docs pages work offline: their scripts and styles come from
    # drf-spectacular-sidecar's static files; no validator badge (it asks an outside host).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
        }
    },
}

# --- Celery ---
# The file-system transport needs no host, but kombu's URL has one: without it kombu warns
# "No hostname was supplied" on every connection (worker and beat start) and uses localhost.
EMBEDDED_BROKER_URL = "filesystem://localhost/"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or EMBEDDED_BROKER_URL)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_URL = EMBEDDED_BROKER_URL
    _broker_dir = RUN_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A message a worker took but never acknowledged (the worker was killed: tasks are
    # acknowledged late) goes back to the queue once it is this old, so a little above the
    # hard time limit: a task still running is never delivered twice. Workers look for such
    # messages at start and every CELERY_UNACKED_RESTORE_INTERVAL seconds. Periodic work does
    # not wait for this: the lost-run sweep (core/jobs.py) redoes it within a minute or two.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": 1,
        # A frozen Redis must not hold a request that queues a task: kombu's default is to
        # wait forever. Above BRPOP's 1 s poll, so a worker's idle consumer is not cut.
        "socket_timeout": 2,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    }
    # One retry on a fresh connection (a restarted Redis), not Celery's three.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds a periodic job's lock (and a view-statistics claim's heartbeat) outlives its holder:
# extended every third of it while the work runs, so a dead worker's lock is gone within it.
JOB_LOCK_TTL = env_int("JOB_LOCK_TTL", 30)

# --- login with GitHub (django-allauth) ---
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_ADAPTER = "secrets_app.allauth_adapter.SocialAccountAdapter"
GITHUB_URL = env_str("GITHUB_URL", "")
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, Any]] = {
    "github": {
        "APPS": [
            {
                "client_id": env_str("GITHUB_CLIENT_ID", "demo-client-id"),
                "secret": env_str("GITHUB_CLIENT_SECRET", "demo-client-secret"),
                "key": "",
            }
        ],
        "SCOPE": ["read:user", "user:email"],
        **({"GITHUB_URL": GITHUB_URL} if GITHUB_URL else {}),
    }
}

# --- outside services (docs/upstream.md); the settings registry may override them at run time ---
EXTERNAL_SOCKS_API_URL = env_str(
    "EXTERNAL_SOCKS_API_URL", "http://127.0.0.1:8701/api/v1/authorized"
)
EXTERNAL_SOCKS_API_TOKEN = env_str("EXTERNAL_SOCKS_API_TOKEN", "demo-provider-token")
EXTERNAL_SOCKS_API_TIMEOUT = env_int("EXTERNAL_SOCKS_API_TIMEOUT", 30)
EXTERNAL_SOCKS_PRICE = env_decimal("EXTERNAL_SOCKS_PRICE", "2.00")
EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES = env_int("EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES", 5)
VK_API_URL = env_str("VK_API_URL", "https://api.vk.com/method")
VK_API_TOKENS = env_list("VK_API_TOKENS", "")
VK_API_VERSION = env_str("VK_API_VERSION", "5.199")
VK_API_RPS = env_int("VK_API_RPS", 3)
TELEGRAM_WEB_URL = env_str("TELEGRAM_WEB_URL", "https://t.me")
# The proxy shop's Telegram bot (shopbot/, docs/telegram-bot.md). The base URL is the Bot API
# server without "/bot<token>" (a self-hosted Bot API server uses the same paths).
TELEGRAM_BOT_API_URL = env_str("TELEGRAM_BOT_API_URL", "https://api.telegram.org")
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_USERNAME = env_str("TELEGRAM_BOT_USERNAME", "")
# "polling" (manage.py telegram_bot asks getUpdates) or "webhook" (POST /telegram/webhook).
TELEGRAM_BOT_MODE = env_str("TELEGRAM_BOT_MODE", "polling")
TELEGRAM_WEBHOOK_URL = env_str("TELEGRAM_WEBHOOK_URL", "")
# Telegram sends it in X-Telegram-Bot-Api-Secret-Token; the webhook refuses everything (403)
# while it is empty.
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_ALERT_CHATS = env_list("TELEGRAM_ALERT_CHATS", "")

# --- the gRPC interface (grpcapi/, docs/grpc.md): `manage.py grpcserve` ---
# Every service on GRPC_ADDR; a service whose own variable is set is also served there.
GRPC_ADDR = env_str("GRPC_ADDR", "127.0.0.1:50051")
GRPC_SERVICE_ADDRS = {
    "conveer.AccountService": env_str("ACCOUNT_SERVICE_GRPC_ADDR", ""),
    "conveer.ProxyService": env_str("PROXY_SERVICE_GRPC_ADDR", ""),
    "conveer.WarmingService": env_str("WARMING_SERVICE_GRPC_ADDR", ""),
    "conveer.SMSService": env_str("SMS_SERVICE_GRPC_ADDR", ""),
    "conveer.VKService": env_str("VK_SERVICE_GRPC_ADDR", ""),
}
# TLS when both are set (PEM files); plaintext otherwise.
GRPC_TLS_CERT = env_str("GRPC_TLS_CERT", "")
GRPC_TLS_KEY = env_str("GRPC_TLS_KEY", "")
# Threads per process serving calls; an open StreamEvents stream or a waiting GetCode holds one.
GRPC_MAX_WORKERS = env_int("GRPC_MAX_WORKERS", 256)
# Seconds in-flight calls get to finish after SIGTERM.
GRPC_GRACE_SECONDS = env_int("GRPC_GRACE_SECONDS", 10)
# Seconds between the health poller's checks of PostgreSQL and Redis.
GRPC_HEALTH_INTERVAL = float(env_decimal("GRPC_HEALTH_INTERVAL", "1"))

# --- identity defaults (the security configuration in the settings registry overrides) ---
TOKEN_DEFAULT_TTL = env_int("TOKEN_DEFAULT_TTL", 3600)
TOKEN_MAX_TTL = env_int("TOKEN_MAX_TTL", 30 * 24 * 3600)
REFRESH_TOKEN_TTL = env_int("REFRESH_TOKEN_TTL", 30 * 24 * 3600)
LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 5)
LOCKOUT_WINDOW = env_int("LOCKOUT_WINDOW", 900)
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
# Seconds a token's state stays cached before it is re-read from the database.
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 300)

# --- logs, metrics, error reports (core/logs.py, core/metrics.py) ---
# JSON lines with the request id (LOG_FORMAT=console for people); the stdlib logging module
# stays the API, so caplog and libraries work unchanged.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": formatter("console" if LOG_FORMAT == "console" else "json")},
    # The Bot API puts the bot token in its URLs (…/bot<token>/sendMessage), which httpx and
    # python-telegram-bot log: every record passes the redaction filter first.
    "filters": {
        "client_errors_short": {"()": "core.log_filters.ClientErrorWithoutTraceback"},
        "redact_bot_token": {"()": "shopbot.redact.RedactBotTokenFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["client_errors_short", "redact_bot_token"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own logging gives `django` a console handler of its own (with DEBUG on) that
        # printed every django.* line a second time beside the root's: the root's only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # one INFO line per outbound request, with the URL: the Bot API's carries the token
        "httpx": {"level": "WARNING"},
    },
}
# Celery keeps the logging configured here instead of installing its own plain-text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics: a bearer token, or a client address in these networks (loopback by default).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# Sentry only when a DSN is set (tests force it off).
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = float(env_decimal("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    from core.logs import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
