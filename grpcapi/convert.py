"""Between protobuf messages and the services' domain arguments: ids, enums, times.

Ids travel as strings (the platform's integer ids in decimal, SMS activations' UUIDs); a
malformed one is INVALID_ARGUMENT naming the field. Enum values are the platform's words
upper-cased behind the enum's prefix (`active` ↔ `ACCOUNT_STATUS_ACTIVE`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from core.errors import InvalidArgument

MAX_ID = 2**63 - 1


def parse_id(value: str, *, field: str, required: bool = True) -> int | None:
    """A platform id from its decimal text; None for an empty optional one."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidArgument(f"{field} is required.", field=field, code="missing")
        return None
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise InvalidArgument(f"{field} must be a positive decimal id.", field=field)
    return int(text)


def require_id(value: str, *, field: str) -> int:
    parsed = parse_id(value, field=field)
    assert parsed is not None
    return parsed


def parse_uuid(value: str, *, field: str) -> uuid.UUID:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        raise InvalidArgument(f"{field} must be a UUID.", field=field) from None


def ts(value: datetime | str | None) -> Timestamp | None:
    """A Timestamp, or None (the field stays unset) for a missing time."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    out = Timestamp()
    out.FromDatetime(value.astimezone(UTC))
    return out


def id_text(value: Any) -> str:
    return "" if value is None else str(value)


def enum_name(prefix: str, word: str) -> str:
    """`active` → `ACCOUNT_STATUS_ACTIVE` (prefix `ACCOUNT_STATUS_`)."""
    return prefix + word.upper()


def enum_number(enum_type: Any, prefix: str, word: str) -> int:
    """The proto enum's number for a platform word (UNSPECIFIED, 0, for an unknown one)."""
    try:
        return int(enum_type.Value(enum_name(prefix, word)))
    except ValueError:
        return 0


def enum_word(enum_type: Any, prefix: str, number: int, *, field: str) -> str:
    """The platform word for a proto enum number; INVALID_ARGUMENT for UNSPECIFIED or an
    unknown number."""
    try:
        name = enum_type.Name(number)
    except ValueError:
        name = ""
    if not name.startswith(prefix) or name.endswith("_UNSPECIFIED"):
        raise InvalidArgument(f"{field} must be one of the {prefix}* values.", field=field)
    return name[len(prefix) :].lower()
