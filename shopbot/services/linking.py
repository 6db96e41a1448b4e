"""Linking a Telegram account to a platform user: the only way the bot acts as a user.

The user takes a one-time code on the shop pages or from the API (`link_code_issue`) and sends
it to the bot (`/start <code>`, `telegram_link`). Codes are random, stored only as SHA-256,
valid for `telegram.link_code_ttl` (10 minutes), single use; a new code voids the user's older
ones. One Telegram account per user and one user per Telegram account (unique columns, checked
under row locks).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.errors import Conflict, InvalidArgument, PermissionDenied
from core.models import AuditEvent
from core.registry import setting_get

from ..models import LinkCode, TelegramLink

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def link_code_issue(*, user: Any) -> tuple[str, datetime]:
    """A new one-time code for `user` and when it expires; the user's unused codes are voided.
    Audited without the code."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Log in to link a Telegram account.")
    now = timezone.now()
    LinkCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(seconds=setting_get("telegram.link_code_ttl"))
    LinkCode.objects.create(user=user, code_hash=_hash(code), expires_at=expires_at)
    audit_record(
        action="telegram.link_code",
        target_type="user",
        target=user.username,
        actor=user,
        data={"expires_at": expires_at.isoformat()},
    )
    return code, expires_at


def telegram_link(
    *, code: str, telegram_id: int, username: str = "", language_code: str = ""
) -> TelegramLink:
    """Link `telegram_id` to the user whose valid code this is; the code is used up.

    Raises InvalidArgument (`link_code_invalid`: unknown, used or expired code; nothing
    changes) or Conflict (`telegram_taken`: this Telegram account is linked to another user;
    `user_taken`: that user is linked to another Telegram account). Linking again the same
    pair just uses the code. Audited as the linked user (refusals too)."""
    code = (code or "").strip()
    try:
        with transaction.atomic():
            entry = None
            if 0 < len(code) <= 64:
                entry = (
                    LinkCode.objects.select_for_update()
                    .select_related("user")
                    .filter(code_hash=_hash(code))
                    .first()
                )
            now = timezone.now()
            if entry is None or entry.used_at or entry.expires_at <= now:
                raise InvalidArgument(
                    "This link code is unknown, used or expired.",
                    field="code",
                    code="link_code_invalid",
                )
            user = entry.user
            if not user.is_active:
                raise InvalidArgument("This link code is not valid.", code="link_code_invalid")
            links = {
                link.telegram_id: link
                for link in TelegramLink.objects.select_for_update().filter(
                    Q(telegram_id=telegram_id) | Q(user=user)
                )
            }
            mine = links.get(telegram_id)
            if mine is not None and mine.user_id != user.pk:
                raise Conflict(
                    "This Telegram account is already linked to another user.",
                    code="telegram_taken",
                )
            if any(link.user_id == user.pk and tid != telegram_id for tid, link in links.items()):
                raise Conflict(
                    "This user is already linked to another Telegram account.", code="user_taken"
                )
            entry.used_at = now
            entry.used_by = telegram_id
            entry.save(update_fields=["used_at", "used_by"])
            link = mine or TelegramLink(user=user, telegram_id=telegram_id, linked_at=now)
            link.username = (username or "")[:64]
            link.language_code = (language_code or "")[:16]
            link.save()
            audit_record(
                action="telegram.link",
                target_type="user",
                target=user.username,
                actor=user,
                data={"telegram_id": telegram_id},
            )
            return link
    except IntegrityError:  # a parallel link of the same account or user won
        raise Conflict("This account was linked meanwhile.", code="telegram_taken") from None
    except (InvalidArgument, Conflict) as exc:
        audit_record(
            action="telegram.link",
            target_type="telegram",
            target=str(telegram_id),
            outcome=AuditEvent.Outcome.DENIED,
            data={"reason": exc.code},
        )
        raise


@transaction.atomic
def telegram_unlink(*, user: Any = None, telegram_id: int | None = None, actor: Any = None) -> bool:
    """Remove the link of `user` (or of `telegram_id`); False when there was none. Audited
    (`actor`: who did it, the user themselves by default)."""
    links = TelegramLink.objects.select_for_update().select_related("user")
    link = (
        links.filter(user=user).first() if user is not None else
        links.filter(telegram_id=telegram_id).first()  # type: ignore[misc]  # None finds none
    )  # fmt: skip
    if link is None:
        return False
    link.delete()
    audit_record(
        action="telegram.unlink",
        target_type="user",
        target=link.user.username,
        actor=actor or link.user,
        data={"telegram_id": link.telegram_id},
    )
    return True
