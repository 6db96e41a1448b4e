"""Secret registry settings at rest: sealed with the encryption keyring in the settings table and
in the shared cache.

A setting registered with `secret=True` (tokens, passwords) is stored as `{"$fernet": "<token>"}`,
the Fernet token of its JSON value under ENCRYPTION_KEYS, in its SystemSetting row; the cache
keeps the same sealed text, so neither PostgreSQL nor Redis holds it in clear. Reads unseal it
(core.registry.from_json). A row stored in clear (written before sealing existed, or by hand)
still reads; the migration that introduced sealing and `rotate_encryption_keys` seal it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core import crypto

ENVELOPE = "$fernet"


def is_sealed(stored: Any) -> bool:
    return isinstance(stored, dict) and len(stored) == 1 and isinstance(stored.get(ENVELOPE), str)


def seal(value: Any) -> dict[str, str]:
    """The stored form of a secret setting's JSON value."""
    return {ENVELOPE: crypto.encrypt(json.dumps(value, separators=(",", ":")))}


def unseal(stored: Any, *, key: str) -> Any:
    """The JSON value of a stored setting (sealed or not); DecryptionError if no key opens it."""
    if not is_sealed(stored):
        return stored
    return json.loads(crypto.decrypt(stored[ENVELOPE], label=f"setting {key}"))


def secret_setting_keys() -> set[str]:
    from core.registry import definitions

    return {d.key for d in definitions() if d.secret}


def secret_setting_rows() -> Iterator[tuple[str, Any]]:
    """(key, stored value) of every stored secret setting."""
    from core.models import SystemSetting

    rows = SystemSetting.objects.filter(key__in=secret_setting_keys()).order_by("key")
    yield from rows.values_list("key", "value")


@dataclass
class SealReport:
    rotated: int = 0  # re-sealed with the primary key
    current: int = 0  # already under the primary key
    sealed: int = 0  # stored in clear, now sealed
    failed: list[str] = field(default_factory=list)  # no key of the keyring opens them


def secret_settings_reseal(*, dry_run: bool = False) -> SealReport:
    """Seal every secret setting stored in clear and re-seal those not under the primary key,
    each row under a row lock; then drop their cached copies, so that no process reads a copy
    sealed with a key about to leave the keyring. A value no key opens is reported, untouched."""
    from django.db import transaction

    from core.models import SystemSetting
    from core.registry import settings_forget

    report = SealReport()
    for key, _ in list(secret_setting_rows()):
        with transaction.atomic():
            row = SystemSetting.objects.select_for_update().filter(key=key).first()
            if row is None:
                continue
            if is_sealed(row.value) and crypto.is_current(row.value[ENVELOPE]):
                report.current += 1
                continue
            try:
                value = seal(unseal(row.value, key=key))
            except crypto.DecryptionError:
                report.failed.append(key)
                continue
            if is_sealed(row.value):
                report.rotated += 1
            else:
                report.sealed += 1
            if not dry_run:
                SystemSetting.objects.filter(key=key).update(value=value)
    if not dry_run:
        settings_forget(secret_setting_keys())
    return report
