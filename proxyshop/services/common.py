"""Small pieces the purchase, refund and sync services share."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from core.errors import Conflict, DomainError, Unavailable, UpstreamError
from core.registry import setting_get

from ..provider import ProviderError, ProviderUnavailable, ProxyGone

SYNC_JOB = "proxyshop.sync"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def shop_price() -> Decimal:
    return Decimal(setting_get("proxyshop.price")).quantize(Decimal("0.01"))


def new_reference(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def provider_failure(exc: ProviderError, *, charged: bool = False) -> DomainError:
    """The domain error (and HTTP status) a provider failure becomes for the client."""
    suffix = "" if charged else " You were not charged."
    if isinstance(exc, ProviderUnavailable):
        return Unavailable(exc.message + suffix, code=exc.kind)
    if isinstance(exc, ProxyGone):
        return Conflict(
            "This proxy is no longer available at the provider." + suffix, code=exc.kind
        )
    return UpstreamError(exc.message + suffix, code=exc.kind)


def actor_name(actor: Any) -> str:
    return getattr(actor, "username", "") or (actor if isinstance(actor, str) else "")
