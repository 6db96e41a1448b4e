"""SMS providers behind one interface; `accounts.sms_provider` picks the one in use."""

from __future__ import annotations

from core.registry import setting_get

from .base import CodePoll, NumberGranted, SmsProvider
from .sandbox import SandboxSmsProvider

PROVIDERS: dict[str, type[SmsProvider]] = {"sandbox": SandboxSmsProvider}


def get_provider(name: str | None = None) -> SmsProvider:
    name = name or setting_get("accounts.sms_provider")
    return PROVIDERS[name]()


__all__ = ["CodePoll", "NumberGranted", "SmsProvider", "get_provider"]
