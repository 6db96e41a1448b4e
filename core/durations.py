"""Durations as Vault writes them: seconds (int or digits) or `1h30m`, `45s`, `7d`."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The largest duration anything stores (a 32-bit integer column of seconds, about 68 years).
MAX_DURATION = 2**31 - 1


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
        if text.isdigit():
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
