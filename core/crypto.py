"""The encryption keyring: MultiFernet over ENCRYPTION_KEYS (first key encrypts, all decrypt)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


class DecryptionError(Exception):
    """No key of the keyring decrypts a stored value. Never swallowed into plaintext."""


@lru_cache(maxsize=1)
def _keyring(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS is empty: at least one Fernet key is needed.")
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with `make key`)."
        ) from exc
    return MultiFernet(fernets), fernets[0]


def keyring() -> MultiFernet:
    return _keyring(tuple(settings.ENCRYPTION_KEYS))[0]


def primary_key() -> Fernet:
    return _keyring(tuple(settings.ENCRYPTION_KEYS))[1]


def encrypt(plaintext: str) -> str:
    return keyring().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str, *, label: str = "value") -> str:
    try:
        return keyring().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            f"No key in ENCRYPTION_KEYS can decrypt {label}: the key it was written with is "
            "missing from the keyring."
        ) from None


def is_current(ciphertext: str) -> bool:
    """True when the primary key alone decrypts the value (nothing to rotate)."""
    try:
        primary_key().decrypt(ciphertext.encode())
    except InvalidToken:
        return False
    return True


@lru_cache(maxsize=4)
def _signing_keys(keys: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(base64.urlsafe_b64decode(key.encode())[:16] for key in keys)


def key_position(ciphertext: str) -> int | None:
    """Which key of ENCRYPTION_KEYS (0: the primary) a value was encrypted with, None if none.
    Checks the token's HMAC only (a Fernet key's first half signs), without decrypting."""
    try:
        token = base64.urlsafe_b64decode(ciphertext.encode())
    except (ValueError, TypeError):
        return None
    if len(token) < 1 + 8 + 16 + 16 + 32:  # version, time, IV, one AES block, HMAC
        return None
    body, mac = token[:-32], token[-32:]
    for position, key in enumerate(_signing_keys(tuple(settings.ENCRYPTION_KEYS))):
        if hmac.compare_digest(hmac.new(key, body, hashlib.sha256).digest(), mac):
            return position
    return None


def rotate(ciphertext: str, *, label: str = "value") -> str:
    try:
        return keyring().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(f"No key in ENCRYPTION_KEYS can decrypt {label}.") from None


def _reset(**kwargs: Any) -> None:
    if kwargs.get("setting") == "ENCRYPTION_KEYS":
        _keyring.cache_clear()


setting_changed.connect(_reset)
