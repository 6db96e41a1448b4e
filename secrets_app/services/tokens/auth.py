"""Authenticating a presented token (the hot path of every API request)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent
from core.networks import ip_in_networks
from core.redis import OUTAGE_ERRORS, redis_fallback

from ...models import Token, User
from .common import STATE_PREFIX, TOMBSTONE_PREFIX, TokenContext, TokenRefused, hash_token


def _state_of(token: Token) -> dict[str, Any]:
    user = token.user
    client = None if token.client_id is None else token.client
    return {
        "token_id": str(token.pk),
        "accessor": token.accessor,
        "policies": token.policies,
        "expires_at": token.expires_at.timestamp() if token.expires_at else None,
        "bound_cidrs": token.bound_cidrs,
        "num_uses": token.num_uses,
        "renewable": token.renewable,
        "kind": token.kind,
        "revoked": token.revoked_at is not None,
        "exhausted": bool(token.num_uses) and token.uses_remaining <= 0,
        # The API client's limits apply at every request, not only at issue: a deactivated
        # client's tokens stop working and a narrowed client narrows its tokens
        # (signals.forget_client_tokens drops this cached copy when the client changes).
        "client": None
        if client is None
        else {
            "active": client.is_active,
            "policies": list(client.allowed_policies or []) or None,
        },
        "user": {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "role": user.role,
            "is_active": user.is_active,
        },
    }


def _user_from_state(data: dict[str, Any]) -> User:
    user = User(
        id=data["id"],
        username=data["username"],
        email=data["email"],
        role=data["role"],
        is_active=data["is_active"],
        is_staff=data["role"] in ("admin", "operator"),
        is_superuser=data["role"] == "admin",
    )
    user._state.adding = False
    user._state.db = "default"
    return user


def token_authenticate(
    raw: str, *, ip: str = "", audit: bool = True, spend: bool = True
) -> tuple[User, TokenContext]:
    """Check a presented token and, unless `spend` is False (lookup-self), spend one use of
    it. Raises TokenRefused."""
    digest = hash_token(raw)
    try:
        cached = cache.get_many([STATE_PREFIX + digest, TOMBSTONE_PREFIX + digest])
    except OUTAGE_ERRORS as exc:
        # Redis down: the row is the truth (revocation, expiry, uses); nothing is cached.
        redis_fallback("token state", exc)
        cached = {}
    if TOMBSTONE_PREFIX + digest in cached:
        _refuse("revoked", None, ip, audit)
    state = cached.get(STATE_PREFIX + digest)
    if state is None:
        token = Token.objects.select_related("user", "client").filter(token_hash=digest).first()
        if token is None:
            raise TokenRefused("unknown")
        state = _state_of(token)
        if not state["revoked"] and not state["exhausted"] and not token.num_uses:
            remaining = (
                int(state["expires_at"] - timezone.now().timestamp())
                if state["expires_at"]
                else settings.TOKEN_CACHE_SECONDS
            )
            timeout = min(settings.TOKEN_CACHE_SECONDS, remaining)
            if timeout > 0:
                try:
                    cache.set(STATE_PREFIX + digest, state, timeout=timeout)
                except OUTAGE_ERRORS as exc:
                    redis_fallback("token state", exc)
    if state["revoked"]:
        _refuse("revoked", state, ip, audit)
    if state["expires_at"] is not None and state["expires_at"] <= timezone.now().timestamp():
        _refuse("expired", state, ip, audit)
    if not state["user"]["is_active"]:
        _refuse("user_inactive", state, ip, audit)
    client = state.get("client")
    if client is not None and not client["active"]:
        _refuse("client_inactive", state, ip, audit)
    if state["bound_cidrs"] and not ip_in_networks(ip, state["bound_cidrs"]):
        _refuse("ip_not_allowed", state, ip, audit)
    if state["num_uses"] and not spend:
        if state["exhausted"]:
            _refuse("exhausted", state, ip, audit)
    elif state["num_uses"]:
        spent = Token.objects.filter(
            pk=state["token_id"], revoked_at__isnull=True, uses_remaining__gt=0
        ).update(uses_remaining=F("uses_remaining") - 1, last_used_at=timezone.now())
        if not spent:
            _refuse("exhausted", state, ip, audit)
    context = TokenContext(
        token_id=state["token_id"],
        accessor=state["accessor"],
        policies=list(state["policies"]),
        expires_at=state["expires_at"],
        bound_cidrs=list(state["bound_cidrs"]),
        num_uses=state["num_uses"],
        renewable=state["renewable"],
        kind=state["kind"],
        user_id=state["user"]["id"],
        client_policies=client["policies"] if client is not None else None,
    )
    return _user_from_state(state["user"]), context


def _refuse(reason: str, state: dict[str, Any] | None, ip: str, audit: bool) -> None:
    if audit and state is not None:
        audit_record(
            action="token.refused",
            target_type="token",
            target=state["accessor"],
            actor=state["user"]["username"],
            accessor=state["accessor"],
            ip=ip,
            outcome=AuditEvent.Outcome.DENIED,
            data={"reason": reason},
        )
    raise TokenRefused(reason)
