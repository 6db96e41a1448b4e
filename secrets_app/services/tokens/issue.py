"""Issuing, describing and renewing tokens."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from datetime import datetime, timedelta
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
from .revoke import descendants_cap_expiry, token_family_revoke


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
    meta: dict[str, Any] | None = None,
    family: uuid.UUID | None = None,
    actor: Any = None,
) -> IssuedToken:
    """Create a token for `user`. Policies default to all the creator may grant and may not
    exceed them (PermissionDenied); TTL is capped by the security configuration
    (InvalidArgument above the maximum).

    A child (`parent` given) never exceeds its parent in anything: policies, expiry and maximum
    (capped at the parent's), renewability (none if the parent has none), networks (each one a
    subnet of a parent network; none named inherits the parent's), uses (a use-limited parent
    cannot create children at all, Vault's rule). The parent row is locked and must be live, so
    a revocation of the parent either sees the child or is seen by its creation.
    PermissionDenied names the bound that refused (`code`: policies, bound_cidrs, num_uses)."""
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
        raise PermissionDenied(
            "A token with a limited number of uses cannot create child tokens.", code="num_uses"
        )
    cidrs = parse_cidrs(bound_cidrs)
    if parent is not None:
        renewable = renewable and parent.renewable
        if not cidrs:
            cidrs = list(parent.bound_cidrs)
        elif not cidrs_within(cidrs, parent.bound_cidrs):
            raise PermissionDenied(
                "bound_cidrs of a child token must lie within its parent's networks "
                f"({', '.join(parent.bound_cidrs)}).",
                code="bound_cidrs",
            )
    elif not cidrs:
        cidrs = parse_cidrs(config.default_bound_cidrs)

    grantable = policies_grantable_by(user=user, parent=parent, client=client)
    requested = list(dict.fromkeys(policies)) if policies else sorted(grantable)
    excess = [name for name in requested if name not in grantable]
    if excess:
        raise PermissionDenied(
            f"Cannot grant policies beyond your own: {', '.join(sorted(excess))}.",
            code="policies",
        )

    raw = new_secret(ACCESS_PREFIX)
    refresh_raw = new_secret(REFRESH_PREFIX) if with_refresh else None
    with transaction.atomic():
        now = timezone.now()
        if parent is not None:
            parent = _parent_locked(parent, now)
        max_expires_at = now + timedelta(seconds=max_ttl_s or config.token_max_ttl)
        expires_at = min(now + timedelta(seconds=ttl_s), max_expires_at)
        if parent is not None:
            expires_at, max_expires_at = child_bounds(parent, expires_at, max_expires_at)
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
            assert token.family is not None  # issued with a refresh token: it has a family
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


def _parent_locked(parent: Token, now: datetime) -> Token:
    """The parent row, locked until the child is committed, refused unless still live."""
    locked = Token.objects.select_for_update().filter(pk=parent.pk).first()
    if (
        locked is None
        or locked.revoked_at is not None
        or (locked.expires_at is not None and locked.expires_at <= now)
        or (locked.num_uses and locked.uses_remaining <= 0)
    ):
        raise Unauthenticated("Invalid token: unknown, expired or revoked.")
    return locked


def child_bounds(
    parent: Token, expires_at: datetime, max_expires_at: datetime
) -> tuple[datetime, datetime]:
    """(expiry, maximum) of a child, within its parent's: never past the parent's expiry, its
    maximum never past the parent's maximum, nor past its expiry if the parent cannot renew."""
    if parent.max_expires_at is not None:
        max_expires_at = min(max_expires_at, parent.max_expires_at)
    if parent.expires_at is not None:
        expires_at = min(expires_at, parent.expires_at)
        if not parent.renewable:
            max_expires_at = min(max_expires_at, parent.expires_at)
    return min(expires_at, max_expires_at), max_expires_at


def cidrs_within(child: list[str], parent: list[str]) -> bool:
    """Every child network is a subnet of one of the parent's (any, if the parent has none)."""
    if not parent:
        return True
    parents = [ipaddress.ip_network(p, strict=False) for p in parent]
    for item in child:
        network = ipaddress.ip_network(item, strict=False)
        if not any(
            network.version == p.version and network.subnet_of(p)  # type: ignore[arg-type]
            for p in parents
        ):
            return False
    return True


# --- authentication -------------------------------------------------------------------------


def token_lookup(context: TokenContext) -> dict[str, Any]:
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


def token_renew_self(*, context: TokenContext, increment: Any = None) -> dict[str, Any]:
    """Set the calling token's expiry to `increment` (default its TTL) from now (Vault
    renew-self), capped at its max expiry and, for a child, at its parent's expiry.

    A renewal that brings the expiry nearer brings its descendants' nearer too (their cached
    state is dropped), so no token ever outlives its parent. Rows are locked parent first, then
    child, level by level, in every path. Returns {"token": Token, "capped": bool}.
    """
    increment_s = parse_ttl(increment, field_name="increment")
    with transaction.atomic():
        parent_id = Token.objects.filter(pk=context.token_id).values_list("parent_id", flat=True)
        parent = None
        if parent_id and parent_id[0] is not None:
            parent = Token.objects.select_for_update().filter(pk=parent_id[0]).first()
        token = Token.objects.select_for_update().get(pk=context.token_id)
        if not token.renewable:
            raise PermissionDenied("This token is not renewable.")
        now = timezone.now()
        wanted = now + timedelta(seconds=increment_s or token.ttl_seconds or 0)
        limit = token.max_expires_at
        if parent is not None and parent.expires_at is not None:
            limit = min(limit, parent.expires_at) if limit else parent.expires_at
        capped = bool(limit and wanted > limit)
        token.expires_at = min(wanted, limit) if limit else wanted
        token.save(update_fields=["expires_at"])
        forget = [token.token_hash] + descendants_cap_expiry(token.pk, token.expires_at)
        token_state_forget(forget, tombstone=False)
        audit_record(
            action="token.renew_self",
            target_type="token",
            target=token.accessor,
            data={"expire_time": token.expires_at.isoformat(), "capped": capped},
        )
    return {"token": token, "capped": capped}
