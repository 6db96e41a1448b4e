"""Production: everything from base, hardened. `manage.py check --deploy` is clean with this."""

from django.core.exceptions import ImproperlyConfigured

from core.paths import SECURE_REDIRECT_EXEMPT as API_SECURE_REDIRECT_EXEMPT

from .base import *  # noqa: F403
from .base import (
    AUDIT_KEYS,
    ENCRYPTION_KEYS,
    INSECURE_DEFAULT_AUDIT_KEY,
    INSECURE_DEFAULT_ENCRYPTION_KEY,
    INSECURE_DEFAULT_SECRET_KEY,
)
from .env import env_bool, env_int

DEBUG = False
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")
if INSECURE_DEFAULT_ENCRYPTION_KEY in ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set ENCRYPTION_KEYS to your own Fernet keys.")
if not AUDIT_KEYS or INSECURE_DEFAULT_AUDIT_KEY in AUDIT_KEYS or min(map(len, AUDIT_KEYS)) < 32:
    raise ImproperlyConfigured(
        "Set AUDIT_KEYS to your own random keys of at least 32 characters each, newest first "
        "(`make key` prints one)."
    )

# Pages are redirected to HTTPS by Django; API calls are not redirected (a client would resend
# its token in clear) but refused with 403 by HTTPSPolicyMiddleware when the security
# configuration requires HTTPS. X-Forwarded-Proto is honoured by that middleware, and only from
# `security.trusted_proxies`, so SECURE_PROXY_SSL_HEADER (which trusts anyone) stays unset.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# /metrics is scraped over the internal network (behind a token or an allow-list), not redirected.
SECURE_REDIRECT_EXEMPT = [*API_SECURE_REDIRECT_EXEMPT, r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
