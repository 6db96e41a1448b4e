"""Tests: real PostgreSQL and Redis on this machine (see Makefile `test`).

The suite touches one PostgreSQL database, TEST_DATABASE_NAME (default `test_platform`,
created and dropped by pytest-django), and one Redis database, REDIS_URL's (default
redis://127.0.0.1:6379/1, emptied before every test; tests/conftest.py refuses one a running
platform uses). DATABASE_URL only says where the server is.
"""

import os

_TEST_DB = os.environ.get("TEST_DATABASE_NAME") or "test_platform"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{_TEST_DB}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")

from .base import *  # noqa: E402, F403
from .env import env_decimal, env_int, env_str  # noqa: E402

DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", _TEST_DB)}  # noqa: F405
# Tests open and close a connection per request unless a test asks for persistent ones (the
# database outage test runs gunicorn with DB_CONN_MAX_AGE).
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)  # noqa: F405
# The stock backend but a cheaper flush between transactional tests (tests/pgbackend/base.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.pgbackend"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = env_str("CACHE_KEY_PREFIX", "pftest")  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
EXTERNAL_SOCKS_API_URL = "http://127.0.0.1:9/api/v1/authorized"
VK_API_URL = "http://127.0.0.1:9/method"
TELEGRAM_WEB_URL = "http://127.0.0.1:9"
TELEGRAM_BOT_API_URL = "http://127.0.0.1:9"
TELEGRAM_BOT_TOKEN = "0:test-unset"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Never report to Sentry from tests (base.py initialises it only with a DSN).
SENTRY_DSN = ""
# Heartbeats only where a test asks for them (servers it starts with the variable set).
KEYRING_HEARTBEAT_SECONDS = float(env_str("KEYRING_HEARTBEAT_SECONDS", "0"))
# The tests' live server is Django's own (a thread per request, no pool to protect) and keeps a
# disconnected stream until its next heartbeat, across tests: no per-process cap on long-lived
# requests there.
# The gunicorn tests set it as the image has it.
LONG_REQUESTS_PER_PROCESS = env_int("LONG_REQUESTS_PER_PROCESS", 1000)
# The suite shares 2 loaded cores: a Redis reply can lag past the production 0.5 s there, and a
# timeout marks Redis down for the rest of the window. The outage tests set the production value.
REDIS_SOCKET_TIMEOUT = float(env_decimal("REDIS_SOCKET_TIMEOUT", "2"))
