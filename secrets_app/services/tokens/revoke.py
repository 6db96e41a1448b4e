"""Revoking tokens: by token, accessor, family, user; children with their parent."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.audit import audit_record

from ...models import RefreshToken, Token
from .common import hash_token, token_state_forget


def tokens_revoke(
    tokens_qs: QuerySet[Token], *, reason: str, actor: Any = None, action: str = "token.revoke"
) -> int:
    """Revoke the tokens of a queryset and all their descendants. Idempotent; returns count.

    Level by level under row locks: a child being created holds its parent's lock until it is
    committed, so once a level is revoked (its rows locked by the update) the next level's query
    sees every child created meanwhile, and any later creation sees its parent revoked."""
    now = timezone.now()
    rows: list[tuple[str, str]] = []
    with transaction.atomic():
        frontier = list(tokens_qs.select_for_update().values_list("pk", flat=True))
        if not frontier:
            return 0
        ids = set(frontier)
        while frontier:
            live = Token.objects.filter(pk__in=frontier, revoked_at__isnull=True)
            rows += list(live.values_list("token_hash", "accessor"))
            live.update(revoked_at=now, revoke_reason=reason[:100])
            frontier = list(
                Token.objects.filter(parent_id__in=frontier)
                .exclude(pk__in=ids)
                .values_list("pk", flat=True)
            )
            ids.update(frontier)
        RefreshToken.objects.filter(access_token_id__in=ids, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if rows:
            audit_record(
                action=action,
                target_type="token",
                target=",".join(accessor for _, accessor in rows[:20]),
                actor=actor,
                data={"reason": reason, "count": len(rows)},
            )
        # Before commit: if Redis cannot take the tombstones the revocation rolls back (503)
        # instead of leaving a cached "valid" state that Redis would serve once it is back.
        # The tombstones also cover a request that caches the old state before we commit.
        token_state_forget([digest for digest, _ in rows], tombstone=True)
    return len(rows)


def descendants_cap_expiry(token_id: Any, expires_at: Any) -> list[str]:
    """Bring every descendant's expiry (and maximum) down to `expires_at`, level by level (the
    caller holds the root's row lock); returns the digests of all descendants, whose cached
    state the caller drops."""
    digests: list[str] = []
    frontier = [token_id]
    while frontier:
        children = Token.objects.filter(parent_id__in=frontier)
        rows = list(children.values_list("pk", "token_hash"))
        children.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=expires_at)).update(
            expires_at=expires_at
        )
        digests += [digest for _, digest in rows]
        frontier = [pk for pk, _ in rows]
    return digests


def token_revoke_raw(*, raw: str, actor: Any = None) -> None:
    """Revoke an access or refresh token presented in clear (OAuth revocation). Reveals nothing:
    an unknown or dead token is accepted silently."""
    digest = hash_token(raw or "")
    tokens = Token.objects.filter(token_hash=digest)
    if tokens.exists():
        tokens_revoke(tokens, reason="revoked by holder", actor=actor)
        return
    refresh = RefreshToken.objects.filter(token_hash=digest).first()
    if refresh is not None:
        token_family_revoke(refresh.family, reason="refresh token revoked")


def token_revoke_accessor(*, accessor: str, actor: Any = None) -> int:
    return tokens_revoke(
        Token.objects.filter(accessor=accessor),
        reason="revoked by accessor",
        actor=actor,
    )


def token_family_revoke(family: uuid.UUID, *, reason: str) -> int:
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return tokens_revoke(
        Token.objects.filter(family=family),
        reason=reason,
        action="token.revoke_family",
    )


def user_tokens_forget(user_id: int) -> None:
    """Drop the cached state of a user's tokens (after a role or activity change)."""
    digests = list(
        Token.objects.filter(user_id=user_id, revoked_at__isnull=True).values_list(
            "token_hash", flat=True
        )
    )
    token_state_forget(digests, tombstone=False)
