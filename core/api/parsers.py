"""The one reading of request bodies for every API (REST under /api/, the bare view-statistics
paths, and the Vault-compatible /v1/ through `load_json`).

A JSON body is refused (the caller turns `BodyRejected` into its route's 4xx shape) when it:
- nests arrays/objects deeper than `settings.API_MAX_JSON_DEPTH` (default 32): Python's
  decoder recurses and would otherwise fail with RecursionError near 1,000 levels;
- holds a number that cannot be stored and read back: `NaN`, `Infinity`, a float that
  overflows to infinity (`1e400`), or an integer outside the signed 64-bit range;
- holds a NUL character in any string or key (PostgreSQL text and jsonb cannot store it);
- is not UTF-8.
Form bodies are refused for a NUL in any field name or value. The body's size is bounded
before it is read, by `core.middleware.request_sanity` (413).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core.ints import INT64_MAX, INT64_MIN


class BodyRejected(ValueError):
    """The body cannot be accepted; the message is safe to show to the client."""


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRejected(f"number out of range: {text[:40]}")
    return value


def _parse_int(text: str) -> int:
    if len(text) > 20:  # int() of a long digit string costs quadratic time
        raise BodyRejected(f"integer out of range (signed 64-bit): {text[:40]}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise BodyRejected(f"integer out of range (signed 64-bit): {text[:40]}")
    return value


def _parse_constant(name: str) -> Any:
    raise BodyRejected(f"{name} is not a JSON number")


def max_depth() -> int:
    return int(getattr(settings, "API_MAX_JSON_DEPTH", 32))


def check_value(data: Any, limit: int | None = None) -> None:
    """Depth and NUL checks of an already decoded value (iterative: no recursion)."""
    limit = max_depth() if limit is None else limit
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise BodyRejected("strings must not contain NUL (\\u0000) characters")
        elif isinstance(value, dict | list):
            if depth >= limit:
                raise BodyRejected(f"JSON nested deeper than {limit} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise BodyRejected("keys must not contain NUL (\\u0000) characters")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def load_json(raw: bytes | str) -> Any:
    """Decode a JSON body under the rules of the module docstring; raise BodyRejected."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyRejected(f"the body is not UTF-8: {exc.reason}") from None
    limit = max_depth()
    try:
        data = json.loads(
            raw,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
        )
    except BodyRejected:
        raise
    except RecursionError:
        # The decoder recurses once per level; the depth rule below would refuse it anyway.
        raise BodyRejected(f"JSON nested deeper than {limit} levels") from None
    except ValueError as exc:
        raise BodyRejected(f"JSON parse error - {exc}") from None
    check_value(data, limit)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the project's rules (module docstring)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return load_json(raw)
        except BodyRejected as exc:
            raise ParseError(str(exc)) from None


class FormParser(parsers.FormParser):
    """URL-encoded forms without NUL characters in names or values."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise ParseError("form fields must not contain NUL characters")
        return data
