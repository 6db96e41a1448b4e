"""Revoking tokens: by token, accessor, family, user; children with their parent."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record

from ...models import RefreshToken, Token
from .common import hash_token, token_state_forget


def _descendant_ids(root_ids: list) -> list:
    found = list(root_ids)
    frontier = list(root_ids)
    while frontier:
        frontier = list(Token.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found += frontier
    return found


def tokens_revoke(
    tokens_qs, *, reason: str, actor: Any = None, action: str = "token.revoke"
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
                data={"reason": reason, "count": len(rows)},
            )
    token_state_forget([digest for digest, _ in rows], tombstone=True)
    return len(rows)


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
