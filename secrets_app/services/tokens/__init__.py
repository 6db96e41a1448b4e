"""The platform's opaque tokens: issue, authenticate, renew, rotate, revoke.

Guarantees:
- a token is 256 random bits; only its SHA-256 is stored; the accessor is a public handle;
- authentication of an unlimited token is served from the cache (Redis) with no database
  query once cached; revocation deletes the cached state and leaves a tombstone so that no
  process can re-cache a revoked token, i.e. revocation takes effect at once everywhere;
- a token with `num_uses` is counted by one conditional UPDATE, so N concurrent requests on
  a token with k uses left see exactly min(N, k) successes;
- revoking a token revokes its descendants; a refresh token works once, and presenting a used
  one revokes its whole family.
"""

from .auth import token_authenticate
from .common import (
    ACCESS_PREFIX,
    REFRESH_PREFIX,
    IssuedToken,
    TokenContext,
    TokenRefused,
    hash_token,
    parse_cidrs,
    parse_ttl,
    tokens_forget,
)
from .issue import token_issue, token_lookup, token_renew_self, token_renew_with_refresh
from .revoke import (
    token_revoke_accessor,
    token_revoke_raw,
    tokens_revoke,
    user_tokens_forget,
)

__all__ = [
    "ACCESS_PREFIX",
    "REFRESH_PREFIX",
    "IssuedToken",
    "TokenContext",
    "TokenRefused",
    "hash_token",
    "parse_cidrs",
    "parse_ttl",
    "token_authenticate",
    "token_issue",
    "token_lookup",
    "token_renew_self",
    "token_renew_with_refresh",
    "token_revoke_accessor",
    "token_revoke_raw",
    "tokens_forget",
    "tokens_revoke",
    "user_tokens_forget",
]
