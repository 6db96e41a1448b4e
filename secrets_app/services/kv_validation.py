"""Validation of the secrets store's inputs: paths, values, metadata, durations, versions.

Each raises InvalidArgument (422) naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from core.durations import parse_duration
from core.errors import Conflict, InvalidArgument
from core.registry import setting_get

MAX_PATH = 512
MAX_SEGMENT = 128
MAX_DEPTH = 32
MAX_METADATA_KEYS = 64
MAX_METADATA_KEY = 128
MAX_METADATA_VALUE = 512
# normalize_path's rules as a pattern, for the API schema: up to MAX_DEPTH segments separated by
# "/" (one leading and trailing "/" allowed), each of 1..MAX_SEGMENT characters without control
# characters, "*", "+" or "\\", and not "." or ".." (stated as: not ending in "." or a space).
_SEGMENT = rf"[^/\x00-\x1f\x7f*+\\]{{0,{MAX_SEGMENT - 1}}}[^/\x00-\x1f\x7f*+\\.\s]"
PATH_PATTERN = rf"^/?{_SEGMENT}(/{_SEGMENT}){{0,{MAX_DEPTH - 1}}}/?$"


def normalize_path(path: Any, *, field: str = "path", folder: bool = False) -> str:
    """`/a/b/` → `a/b` (or `a/b/` with `folder=True`; "" is the root folder). InvalidArgument for
    "..", ".", empty segments, control characters, or sizes past the limits."""
    if not isinstance(path, str):
        raise InvalidArgument("path must be a string.", field=field)
    text = path.strip().strip("/")
    if not text:
        if folder:
            return ""
        raise InvalidArgument("path must not be empty.", field=field)
    segments = text.split("/")
    if len(text) > MAX_PATH or len(segments) > MAX_DEPTH:
        raise InvalidArgument(
            f"path is limited to {MAX_PATH} characters and {MAX_DEPTH} segments.", field=field
        )
    for segment in segments:
        if segment in ("", ".", ".."):
            raise InvalidArgument("path has an empty, '.' or '..' segment.", field=field)
        if len(segment) > MAX_SEGMENT:
            raise InvalidArgument(
                f"a path segment is limited to {MAX_SEGMENT} characters.", field=field
            )
        if any(ord(c) < 32 or ord(c) == 127 or c in "*+\\" for c in segment):
            raise InvalidArgument("path has a control character, '*', '+' or '\\'.", field=field)
    return text + "/" if folder else text


def validate_value(value: Any) -> str:
    if not isinstance(value, str | dict):
        raise InvalidArgument("value must be a string or a JSON object.", field="value")
    encoded = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    if len(encoded.encode()) > setting_get("secrets.max_value_bytes"):
        raise InvalidArgument("value is too large.", field="value")
    return encoded


def validate_metadata(metadata: Any, *, field: str = "metadata") -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidArgument("metadata must be an object of strings.", field=field)
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidArgument(f"at most {MAX_METADATA_KEYS} metadata keys.", field=field)
    out = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not key or len(key) > MAX_METADATA_KEY:
            raise InvalidArgument("metadata keys are 1–128 characters.", field=[field, str(key)])
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidArgument("metadata values are strings.", field=[field, key])
        if len(str(value)) > MAX_METADATA_VALUE:
            raise InvalidArgument("metadata values are at most 512 characters.", field=[field, key])
        out[key] = str(value)
    return out


def duration_field(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise InvalidArgument(str(exc), field=field) from None


def parse_cas(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument("cas must be a non-negative integer.", field="cas")
    return value


def parse_versions(versions: Any) -> list[int]:
    if (
        not isinstance(versions, list | tuple)
        or not versions
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in versions)
    ):
        raise InvalidArgument(
            "versions must be a non-empty list of positive integers.", field="versions"
        )
    return sorted(set(versions))


def cas_conflict(*, cas: int | None, current: int, cas_required: bool) -> Conflict | None:
    """The Conflict a write with `cas` gets against a secret at version `current` (None when
    it may go ahead): cas must match, and be given where the secret requires it."""
    if cas is not None and cas != current:
        return Conflict(
            f"check-and-set parameter did not match the current version ({current}).",
            code="cas_mismatch",
        )
    if cas is None and cas_required:
        return Conflict("check-and-set parameter required for this call.", code="cas_required")
    return None
