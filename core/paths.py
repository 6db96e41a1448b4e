"""Which paths are API paths: named once, for the HTTPS policy, the JSON error pages and the
production settings' redirect exemptions. (No Django imports: settings import this.)"""

from __future__ import annotations

# /telegram/: the shop bot's webhook, called by the Bot API (JSON answers, never redirected).
API_PREFIXES = ("/api/", "/v1/", "/telegram/")
# The view-statistics contract's bare API paths (viewstats.api.bare_urls).
BARE_API_PATHS = ("/users", "/get-views", "/get-bg-tasks")
VAULT_PREFIX = "/v1/"


def is_api_path(path: str) -> bool:
    if path.startswith(API_PREFIXES):
        return True
    return any(path == bare or path.startswith(bare + "/") for bare in BARE_API_PATHS)


def is_vault_path(path: str) -> bool:
    return path.startswith(VAULT_PREFIX)


# Django's SECURE_REDIRECT_EXEMPT patterns (matched against the path without its leading
# slash): API calls are refused over plain HTTP by the HTTPS policy, never redirected.
SECURE_REDIRECT_EXEMPT = [rf"^{p.lstrip('/')}" for p in API_PREFIXES] + [
    rf"^{p.lstrip('/')}(/|$)" for p in BARE_API_PATHS
]
