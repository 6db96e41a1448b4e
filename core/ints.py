"""One reading of integers that come from outside (query strings, path segments, JSON bodies).

`str.isdigit()` and `int()` accept far more than decimal digits: `"²".isdigit()` is true and
`int("²")` raises, `int("١٢")` is 12, `int(" 7 ")` is 7 and a 5,000-digit string takes
quadratic time. Every value that reaches the database must fit a signed 64-bit column. So an
integer from outside is ASCII digits (with an optional leading minus), at most 19 of them, and
within the bounds the caller gives; anything else raises `ValueError` with a message fit for
the client.
"""

from __future__ import annotations

import re

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_DECIMAL = re.compile(r"-?[0-9]{1,19}")


def parse_int(
    value: object,
    *,
    minimum: int | None = INT64_MIN,
    maximum: int | None = INT64_MAX,
    name: str = "value",
) -> int:
    """`value` (an int, or a string of ASCII decimal digits) as an int within the bounds.

    Raises ValueError naming `name` for anything else: booleans, floats, non-ASCII digits,
    signs or spaces around the digits, or a number outside [minimum, maximum] (each bound
    defaulting to the signed 64-bit range)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} must be an integer.")
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise ValueError(f"{name} must be an integer.")
        value = int(value)
    low = INT64_MIN if minimum is None else max(minimum, INT64_MIN)
    high = INT64_MAX if maximum is None else min(maximum, INT64_MAX)
    if value < low:
        raise ValueError(f"{name} must be at least {low}.")
    if value > high:
        raise ValueError(f"{name} must be at most {high}.")
    return value


def is_int_text(value: object) -> bool:
    """A string `parse_int` reads as a non-negative integer (for readers that keep the text)."""
    if not isinstance(value, str):
        return False
    try:
        parse_int(value, minimum=0)
    except ValueError:
        return False
    return True
