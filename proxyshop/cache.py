"""Catalogue cache: entries are keyed by a version that every change to the inventory bumps,
so invalidation is one write and stale entries simply expire."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

from core.redis import OUTAGE_ERRORS, redis_fallback

T = TypeVar("T")

_VERSION_KEY = "proxyshop:catalog:version"


def catalog_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add() so two first readers agree on one version
        cache.add(_VERSION_KEY, version, timeout=None)
        version = cache.get(_VERSION_KEY) or version
    return version


def catalog_bump() -> None:
    """Invalidate every cached catalogue answer: now, and again after the current transaction
    commits, so a reader that cached the pre-commit state in between is discarded too."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None))


def catalog_cached(name: str, params: dict[str, Any], ttl: int, compute: Callable[[], T]) -> T:
    """`compute()`'s answer, cached per catalogue version; from the database while Redis is
    down (a read of the catalogue never needs Redis)."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()
    try:
        key = f"proxyshop:catalog:{catalog_version()}:{name}:{digest[:32]}"
        hit = cache.get(key)
    except OUTAGE_ERRORS as exc:
        redis_fallback("shop catalogue", exc)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    if ttl > 0:
        try:
            cache.set(key, value, timeout=ttl)
        except OUTAGE_ERRORS as exc:
            redis_fallback("shop catalogue", exc)
    return value
