"""Enum words shared by every interface: the platform's word (`active`) and the gRPC
contract's name for it (`ACCOUNT_STATUS_ACTIVE`: the enum's prefix and the word upper-cased).

REST accepts either wherever it takes a status or an action type, so clients of both
interfaces use the same words; answers carry the platform's word.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def proto_name(prefix: str, word: str) -> str:
    """`active` → `ACCOUNT_STATUS_ACTIVE` for prefix `ACCOUNT_STATUS_`."""
    return prefix + word.upper()


def proto_word(value: Any, *, prefix: str, words: Iterable[str]) -> Any:
    """The platform word for a contract name among `words`; any other value unchanged."""
    if isinstance(value, str) and prefix and value.startswith(prefix):
        word = value[len(prefix) :].lower()
        if word in set(words):
            return word
    return value
