"""Serializer fields shared by every API."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def enum(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField documented by a pattern instead of an `enum`: the project's apps reuse
    field names such as `status` and `platform` with other choice sets, and drf-spectacular
    turns every `enum` into a named component whose names would collide."""
    values = [str(c[0] if isinstance(c, tuple | list) else c) for c in choices]
    if kwargs.get("allow_blank"):
        values.append("")
    schema: dict[str, Any] = {
        "type": "string",
        "pattern": "^(" + "|".join(re.escape(v) for v in values) + ")$",
        "description": "one of: " + ", ".join(repr(v) for v in values),
    }
    if kwargs.get("allow_null"):
        schema["nullable"] = True
    field_class = extend_schema_field(schema)(type("EnumField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)
