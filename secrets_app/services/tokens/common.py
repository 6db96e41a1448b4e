"""Token formats, parsing, the request-side context and cached-state keys."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.durations import parse_duration
from core.errors import InvalidArgument, Unauthenticated

from ...models import Token

ACCESS_PREFIX = "pvt."
REFRESH_PREFIX = "pvr."
STATE_PREFIX = "tok:"
TOMBSTONE_PREFIX = "tokrev:"


class TokenRefused(Unauthenticated):
    """Authentication refused. `reason` is precise (audited); `message` reveals no existence."""

    MESSAGES = {
        "unknown": "Invalid token: unknown, expired or revoked.",
        "expired": "Invalid token: unknown, expired or revoked.",
        "revoked": "Invalid token: unknown, expired or revoked.",
        "exhausted": "Invalid token: its number of uses is exhausted.",
        "ip_not_allowed": "Token may not be used from this address.",
        "user_inactive": "Invalid token: unknown, expired or revoked.",
        "client_inactive": "Invalid token: unknown, expired or revoked.",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason], code=reason)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def parse_cidrs(value: Any, *, field_name: str = "bound_cidrs") -> list[str]:
    """A list or comma-separated string of IPs/CIDRs, normalised; raises InvalidArgument."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidArgument("Expected a list of IP addresses or CIDR networks.", field=field_name)
    out = []
    for item in items:
        try:
            out.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise InvalidArgument(
                f"{item!r} is not an IP address or CIDR network.", field=field_name
            ) from None
    return out


def parse_ttl(value: Any, *, field_name: str = "ttl") -> int | None:
    if value in (None, ""):
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise InvalidArgument(str(exc), field=field_name) from None


@dataclass(frozen=True)
class TokenContext:
    """What `request.auth` holds for a token-authenticated request."""

    token_id: str
    accessor: str
    policies: list[str]
    expires_at: float | None
    bound_cidrs: list[str] = field(default_factory=list)
    num_uses: int = 0
    renewable: bool = True
    kind: str = Token.Kind.SERVICE
    user_id: int | None = None
    # The allowed policies of the API client the token came through (None: no client limit).
    client_policies: list[str] | None = None

    def expire_time(self) -> datetime | None:
        if self.expires_at is None:
            return None
        return datetime.fromtimestamp(self.expires_at, tz=UTC)


@dataclass
class IssuedToken:
    token: Token
    access_token: str
    refresh_token: str | None = None

    def as_oauth(self) -> dict[str, Any]:
        token = self.token
        expires_in = (
            int((token.expires_at - timezone.now()).total_seconds()) if token.expires_at else 0
        )
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": max(expires_in, 0),
            "refresh_token": self.refresh_token,
            "accessor": token.accessor,
            "scope": " ".join(token.policies),
        }


def token_state_forget(digests: list[str], *, tombstone: bool) -> None:
    if not digests:
        return
    cache.delete_many([STATE_PREFIX + d for d in digests])
    if tombstone:
        # Covers a request that read the old state just before the revocation and is about to
        # cache it: its cached copy expires within TOKEN_CACHE_SECONDS, the tombstone outlives it.
        cache.set_many(
            {TOMBSTONE_PREFIX + d: 1 for d in digests},
            timeout=settings.TOKEN_CACHE_SECONDS * 2 + 60,
        )


def tokens_forget(digests: list[str]) -> None:
    """Drop cached state of tokens whose rows are gone (user deleted) and leave tombstones."""
    token_state_forget(digests, tombstone=True)
