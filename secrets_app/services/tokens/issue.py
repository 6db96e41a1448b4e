"""Issuing, describing and renewing tokens."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.durations import MAX_DURATION
from core.errors import InvalidArgument, PermissionDenied, Unauthenticated
from core.security import security_config
from secrets_app.policy_names import policies_grantable_by

from ...models import ApiClient, RefreshToken, Token, User
from .common import (
    ACCESS_PREFIX,
    REFRESH_PREFIX,
    IssuedToken,
    TokenContext,
    hash_token,
    new_secret,
    parse_cidrs,
    parse_ttl,
    token_state_forget,
)
from .revoke import token_family_revoke


def token_issue(
    *,
    user: User,
    policies: list[str] | None = None,
    ttl: Any = None,
    explicit_max_ttl: Any = None,
    num_uses: int = 0,
    bound_cidrs: Any = None,
    renewable: bool = True,
    parent: Token | None = None,
    client: ApiClient | None = None,
    display_name: str = "",
    scope: str = "",
    with_refresh: bool = False,
    kind: str = Token.Kind.SERVICE,
    meta: dict | None = None,
    family: uuid.UUID | None = None,
    actor: Any = None,
) -> IssuedToken:
    """Create a token for `user`. Policies default to all the creator may grant and may not
    exceed them (PermissionDenied); TTL is capped by the security configuration
    (InvalidArgument above the maximum); a parent's bound networks and expiry are inherited."""
    config = security_config()
    ttl_s = parse_ttl(ttl)
    max_ttl_s = parse_ttl(explicit_max_ttl, field_name="explicit_max_ttl")
    if ttl_s is None:
        ttl_s = config.token_default_ttl
    if ttl_s == 0 or ttl_s > config.token_max_ttl:
        raise InvalidArgument(
            f"ttl must be between 1 second and the maximum of {config.token_max_ttl} seconds.",
            field="ttl",
        )
    if max_ttl_s is not None and not (0 < max_ttl_s <= config.token_max_ttl):
        raise InvalidArgument(
            f"explicit_max_ttl must be between 1 and {config.token_max_ttl} seconds.",
            field="explicit_max_ttl",
        )
    if (
        isinstance(num_uses, bool)
        or not isinstance(num_uses, int)
        or not 0 <= num_uses <= MAX_DURATION
    ):
        raise InvalidArgument(
            f"num_uses must be an integer from 0 to {MAX_DURATION}.", field="num_uses"
        )
    if parent is not None and parent.num_uses:
        # A use-limited token cannot widen its limit through a child: the child gets at most
        # the uses its parent has left.
        num_uses = min(num_uses or parent.uses_remaining, parent.uses_remaining) or 1
    cidrs = parse_cidrs(bound_cidrs)
    if not cidrs:
        cidrs = list(parent.bound_cidrs) if parent else parse_cidrs(config.default_bound_cidrs)

    grantable = policies_grantable_by(user=user, parent=parent, client=client)
    requested = list(dict.fromkeys(policies)) if policies else sorted(grantable)
    excess = [name for name in requested if name not in grantable]
    if excess:
        raise PermissionDenied(
            f"Cannot grant policies beyond your own: {', '.join(sorted(excess))}."
        )

    now = timezone.now()
    max_expires_at = now + timedelta(seconds=max_ttl_s or config.token_max_ttl)
    if parent and parent.max_expires_at:
        max_expires_at = min(max_expires_at, parent.max_expires_at)
    expires_at = min(now + timedelta(seconds=ttl_s), max_expires_at)
    if parent and parent.expires_at:
        expires_at = min(expires_at, parent.expires_at)

    raw = new_secret(ACCESS_PREFIX)
    refresh_raw = new_secret(REFRESH_PREFIX) if with_refresh else None
    with transaction.atomic():
        token = Token.objects.create(
            token_hash=hash_token(raw),
            accessor=secrets.token_hex(12),
            kind=kind,
            user=user,
            parent=parent,
            client=client,
            display_name=display_name[:100],
            policies=requested,
            scope=scope[:500],
            bound_cidrs=cidrs,
            created_at=now,
            ttl_seconds=ttl_s,
            expires_at=expires_at,
            max_expires_at=max_expires_at,
            renewable=renewable,
            num_uses=num_uses,
            uses_remaining=num_uses,
            family=family or (uuid.uuid4() if with_refresh else None),
            meta=meta or {},
        )
        if refresh_raw:
            RefreshToken.objects.create(
                token_hash=hash_token(refresh_raw),
                family=token.family,
                user=user,
                access_token=token,
                expires_at=now + timedelta(seconds=config.refresh_token_ttl),
            )
        audit_record(
            action="token.create",
            target_type="token",
            target=token.accessor,
            actor=actor or user,
            data={
                "user": user.username,
                "policies": requested,
                "ttl": ttl_s,
                "num_uses": num_uses,
                "bound_cidrs": cidrs,
                "parent": parent.accessor if parent else None,
                "kind": kind,
            },
        )
    return IssuedToken(token=token, access_token=raw, refresh_token=refresh_raw)


# --- authentication -------------------------------------------------------------------------


def token_lookup(context: TokenContext) -> dict:
    """Describe the calling token without spending a use."""
    token = Token.objects.select_related("user", "parent").get(pk=context.token_id)
    return {
        "accessor": token.accessor,
        "username": token.user.username,
        "display_name": token.display_name,
        "policies": token.policies,
        "creation_time": token.created_at,
        "expire_time": token.expires_at,
        "explicit_max_expire_time": token.max_expires_at,
        "ttl": max(int((token.expires_at - timezone.now()).total_seconds()), 0)
        if token.expires_at
        else 0,
        "renewable": token.renewable,
        "num_uses": token.num_uses,
        "uses_remaining": token.uses_remaining if token.num_uses else None,
        "bound_cidrs": token.bound_cidrs,
        "parent_accessor": token.parent.accessor if token.parent else None,
        "type": token.kind,
    }


# --- renewal and revocation ------------------------------------------------------------------


def token_renew_with_refresh(*, refresh_raw: str) -> IssuedToken:
    """Exchange a refresh token for a new access token and a new refresh token.

    A refresh token works once. Presenting one that was already used revokes every access and
    refresh token of its family (the pair was stolen or replayed) and is refused. Marking the
    refresh token used and issuing its successor happen in one transaction, so a renewal that
    fails leaves the refresh token usable. The successor keeps the old token's policies that the
    user still holds and a TTL within today's maximum.
    """
    digest = hash_token(refresh_raw or "")
    with transaction.atomic():
        refresh = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("access_token", "user")
            .filter(token_hash=digest)
            .first()
        )
        if (
            refresh is None
            or refresh.revoked_at
            or refresh.expires_at <= timezone.now()
            or not refresh.user.is_active
        ):
            raise Unauthenticated("Invalid refresh token: unknown, expired or revoked.")
        reused = refresh.used_at is not None
        if not reused:
            refresh.used_at = timezone.now()
            refresh.save(update_fields=["used_at"])
            old = refresh.access_token
            user = refresh.user
            grantable = policies_grantable_by(user=user, client=old.client if old else None)
            kept = [name for name in (old.policies if old else []) if name in grantable]
            issued = token_issue(
                user=user,
                policies=kept or None,
                ttl=min(old.ttl_seconds, security_config().token_max_ttl) if old else None,
                bound_cidrs=old.bound_cidrs if old else None,
                num_uses=old.num_uses if old else 0,
                client=old.client if old else None,
                display_name=old.display_name if old else "",
                scope=old.scope if old else "",
                with_refresh=True,
                family=refresh.family,
            )
            audit_record(
                action="token.renew",
                target_type="token",
                target=issued.token.accessor,
                actor=user,
                data={"previous": old.accessor if old else None, "family": str(refresh.family)},
            )
    if reused:
        token_family_revoke(refresh.family, reason="refresh_reuse")
        raise Unauthenticated("Refresh token already used: the whole session has been revoked.")
    return issued


def token_renew_self(*, context: TokenContext, increment: Any = None) -> dict:
    """Extend the calling token's TTL (Vault renew-self), capped at its max expiry.

    Returns {"token": Token, "capped": bool}.
    """
    increment_s = parse_ttl(increment, field_name="increment")
    with transaction.atomic():
        token = Token.objects.select_for_update().get(pk=context.token_id)
        if not token.renewable:
            raise PermissionDenied("This token is not renewable.")
        now = timezone.now()
        wanted = now + timedelta(seconds=increment_s or token.ttl_seconds or 0)
        capped = bool(token.max_expires_at and wanted > token.max_expires_at)
        token.expires_at = min(wanted, token.max_expires_at) if token.max_expires_at else wanted
        token.save(update_fields=["expires_at"])
        token_state_forget([token.token_hash], tombstone=False)
        audit_record(
            action="token.renew_self",
            target_type="token",
            target=token.accessor,
            data={"expire_time": token.expires_at.isoformat(), "capped": capped},
        )
    return {"token": token, "capped": capped}
