"""The encryption keyring: MultiFernet over ENCRYPTION_KEYS (first key encrypts, all decrypt)."""

from __future__ import annotations

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


def rotate(ciphertext: str, *, label: str = "value") -> str:
    try:
        return keyring().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionError(f"No key in ENCRYPTION_KEYS can decrypt {label}.") from None


def _reset(**kwargs: Any) -> None:
    if kwargs.get("setting") == "ENCRYPTION_KEYS":
        _keyring.cache_clear()


setting_changed.connect(_reset)
