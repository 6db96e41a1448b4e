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

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.errors import InvalidArgument, PermissionDenied, Unauthenticated

from ..durations import parse_duration
from ..models import ApiClient, AuditEvent, RefreshToken, Token, User
from ..policies import policies_grantable_by
from ..security import ip_in_networks, security_config
from .audit import audit_record

ACCESS_PREFIX = "pvt."
REFRESH_PREFIX = "pvr."
_STATE = "tok:"
_TOMBSTONE = "tokrev:"


class TokenRefused(Unauthenticated):
    """Authentication refused. `reason` is precise (audited); `message` reveals no existence."""

    MESSAGES = {
        "unknown": "Invalid token: unknown, expired or revoked.",
        "expired": "Invalid token: unknown, expired or revoked.",
        "revoked": "Invalid token: unknown, expired or revoked.",
        "exhausted": "Invalid token: its number of uses is exhausted.",
        "ip_not_allowed": "Token may not be used from this address.",
        "user_inactive": "Invalid token: unknown, expired or revoked.",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason], code=reason)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret(prefix: str) -> str:
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

    def expire_time(self) -> datetime | None:
        if self.expires_at is None:
            return None
        return datetime.fromtimestamp(self.expires_at, tz=UTC)


@dataclass
class IssuedToken:
    token: Token
    access_token: str
    refresh_token: str | None = None

    def as_oauth(self) -> dict:
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
    request: Any = None,
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
    if isinstance(num_uses, bool) or not isinstance(num_uses, int) or num_uses < 0:
        raise InvalidArgument("num_uses must be a non-negative integer.", field="num_uses")
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

    raw = _new_secret(ACCESS_PREFIX)
    refresh_raw = _new_secret(REFRESH_PREFIX) if with_refresh else None
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
            request=request,
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


def _state_of(token: Token) -> dict:
    user = token.user
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
        "user": {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "role": user.role,
            "is_active": user.is_active,
        },
    }


def _user_from_state(data: dict) -> User:
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


def token_authenticate(raw: str, *, ip: str = "", audit: bool = True) -> tuple[User, TokenContext]:
    """Check a presented token and spend one use of it. Raises TokenRefused."""
    digest = hash_token(raw)
    cached = cache.get_many([_STATE + digest, _TOMBSTONE + digest])
    if _TOMBSTONE + digest in cached:
        _refuse("revoked", None, ip, audit)
    state = cached.get(_STATE + digest)
    if state is None:
        token = Token.objects.select_related("user").filter(token_hash=digest).first()
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
                cache.set(_STATE + digest, state, timeout=timeout)
    if state["revoked"]:
        _refuse("revoked", state, ip, audit)
    if state["expires_at"] is not None and state["expires_at"] <= timezone.now().timestamp():
        _refuse("expired", state, ip, audit)
    if not state["user"]["is_active"]:
        _refuse("user_inactive", state, ip, audit)
    if state["bound_cidrs"] and not ip_in_networks(ip, state["bound_cidrs"]):
        _refuse("ip_not_allowed", state, ip, audit)
    if state["num_uses"]:
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
    )
    return _user_from_state(state["user"]), context


def _refuse(reason: str, state: dict | None, ip: str, audit: bool) -> None:
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


def token_renew_with_refresh(*, refresh_raw: str, ip: str = "", request: Any = None) -> IssuedToken:
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
                request=request,
            )
            audit_record(
                action="token.renew",
                target_type="token",
                target=issued.token.accessor,
                actor=user,
                ip=ip,
                request=request,
                data={"previous": old.accessor if old else None, "family": str(refresh.family)},
            )
    if reused:
        _revoke_family(refresh.family, reason="refresh_reuse", request=request)
        raise Unauthenticated("Refresh token already used: the whole session has been revoked.")
    return issued


def token_renew_self(*, context: TokenContext, increment: Any = None, request: Any = None) -> dict:
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
        _forget([token.token_hash], tombstone=False)
        audit_record(
            action="token.renew_self",
            target_type="token",
            target=token.accessor,
            request=request,
            data={"expire_time": token.expires_at.isoformat(), "capped": capped},
        )
    return {"token": token, "capped": capped}


def _forget(digests: list[str], *, tombstone: bool) -> None:
    if not digests:
        return
    cache.delete_many([_STATE + d for d in digests])
    if tombstone:
        # Covers a request that read the old state just before the revocation and is about to
        # cache it: its cached copy expires within TOKEN_CACHE_SECONDS, the tombstone outlives it.
        cache.set_many(
            {_TOMBSTONE + d: 1 for d in digests}, timeout=settings.TOKEN_CACHE_SECONDS * 2 + 60
        )


def tokens_forget(digests: list[str]) -> None:
    """Drop cached state of tokens whose rows are gone (user deleted) and leave tombstones."""
    _forget(digests, tombstone=True)


def _descendant_ids(root_ids: list) -> list:
    found = list(root_ids)
    frontier = list(root_ids)
    while frontier:
        frontier = list(Token.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found += frontier
    return found


def tokens_revoke(
    tokens_qs, *, reason: str, actor: Any = None, request: Any = None, action: str = "token.revoke"
) -> int:
    """Revoke the tokens of a queryset and all their descendants. Idempotent; returns count."""
    root_ids = list(tokens_qs.values_list("pk", flat=True))
    if not root_ids:
        return 0
    ids = _descendant_ids(root_ids)
    now = timezone.now()
    with transaction.atomic():
        live = Token.objects.filter(pk__in=ids, revoked_at__isnull=True)
        rows = list(live.values_list("token_hash", "accessor"))
        live.update(revoked_at=now, revoke_reason=reason[:100])
        RefreshToken.objects.filter(access_token_id__in=ids, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if rows:
            audit_record(
                action=action,
                target_type="token",
                target=",".join(accessor for _, accessor in rows[:20]),
                actor=actor,
                request=request,
                data={"reason": reason, "count": len(rows)},
            )
    _forget([digest for digest, _ in rows], tombstone=True)
    return len(rows)


def token_revoke_raw(*, raw: str, actor: Any = None, request: Any = None) -> None:
    """Revoke an access or refresh token presented in clear (OAuth revocation). Reveals nothing:
    an unknown or dead token is accepted silently."""
    digest = hash_token(raw or "")
    tokens = Token.objects.filter(token_hash=digest)
    if tokens.exists():
        tokens_revoke(tokens, reason="revoked by holder", actor=actor, request=request)
        return
    refresh = RefreshToken.objects.filter(token_hash=digest).first()
    if refresh is not None:
        _revoke_family(refresh.family, reason="refresh token revoked", request=request)


def token_revoke_accessor(*, accessor: str, actor: Any = None, request: Any = None) -> int:
    return tokens_revoke(
        Token.objects.filter(accessor=accessor),
        reason="revoked by accessor",
        actor=actor,
        request=request,
    )


def _revoke_family(family: uuid.UUID, *, reason: str, request: Any = None) -> int:
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return tokens_revoke(
        Token.objects.filter(family=family),
        reason=reason,
        request=request,
        action="token.revoke_family",
    )


def user_tokens_forget(user_id: int) -> None:
    """Drop the cached state of a user's tokens (after a role or activity change)."""
    digests = list(
        Token.objects.filter(user_id=user_id, revoked_at__isnull=True).values_list(
            "token_hash", flat=True
        )
    )
    _forget(digests, tombstone=False)
