"""Reads of the shop bot."""

from __future__ import annotations

from typing import Any

from .models import TelegramLink


def link_for_telegram(*, telegram_id: int) -> TelegramLink | None:
    """The link (with its user) that lets updates from `telegram_id` act as a platform user;
    None for an unlinked account or a deactivated user."""
    link = TelegramLink.objects.select_related("user").filter(telegram_id=telegram_id).first()
    if link is None or not link.user.is_active:
        return None
    return link


def link_for_user(*, user: Any) -> TelegramLink | None:
    return TelegramLink.objects.filter(user=user).first()
