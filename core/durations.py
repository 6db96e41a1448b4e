"""Durations as Vault writes them: seconds (int or digits) or `1h30m`, `45s`, `7d`."""

from __future__ import annotations

import re
from typing import Any

from core.ints import is_int_text

_PART = re.compile(r"([0-9]+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The largest duration anything stores (a 32-bit integer column of seconds, about 68 years).
MAX_DURATION = 2**31 - 1


# What the API's schema says of a duration (seconds, or units like 1h30m; case-insensitive).
DURATION_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {"type": "integer", "minimum": 0, "maximum": MAX_DURATION},
        {
            "type": "string",
            "pattern": r"^\s*([0-9]{1,9}|([0-9]{1,7}[smhdSMHD]){1,4})\s*$",
            "example": "1h30m",
        },
    ]
}


# A duration of at least one second, written without zero parts (a subset: "1h0m" is valid too).
POSITIVE_DURATION_PATTERN = r"^\s*([1-9][0-9]{0,8}|([1-9][0-9]{0,6}[smhdSMHD]){1,4})\s*$"


def parse_duration(value: object) -> int:
    """Seconds in `value` (at most MAX_DURATION); raises ValueError with a readable message."""
    seconds = _parse(value)
    if seconds > MAX_DURATION:
        raise ValueError(f"a duration cannot exceed {MAX_DURATION} seconds")
    return seconds


def _parse(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '1h30m'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if is_int_text(text):
            return int(text)
        if text and _PART.sub("", text) == "":
            return sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    raise ValueError("a duration is a number of seconds or a string like '1h30m'")


def format_duration(seconds: int) -> str:
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)
