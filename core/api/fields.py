"""Serializer fields shared by every API."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.enums import proto_name, proto_word

F = TypeVar("F", bound=serializers.Field)


def documented(field: F, schema: dict[str, Any]) -> F:
    """`field` with its OpenAPI schema stated explicitly (per field, where extend_schema_field
    sets it for every field of a class). The field gets a subclass of its own carrying the
    schema: serializers deep-copy their declared fields by re-instantiating their class."""
    cls = field.__class__
    field.__class__ = extend_schema_field(schema)(type(cls.__name__, (cls,), {}))
    return field


def enum(choices: Any, *, proto_prefix: str = "", **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField documented by a pattern instead of an `enum`: the project's apps reuse
    field names such as `status` and `platform` with other choice sets, and drf-spectacular
    turns every `enum` into a named component whose names would collide.

    With `proto_prefix` it also accepts the gRPC contract's names of the values
    (`ACCOUNT_STATUS_ACTIVE` for `active`, core.enums) and reads them as the plain word."""
    values = [str(c[0] if isinstance(c, tuple | list) else c) for c in choices]
    words = list(values)
    if proto_prefix:
        values += [proto_name(proto_prefix, v) for v in words]
    if kwargs.get("allow_blank"):
        values.append("")
    schema: dict[str, Any] = {
        "type": "string",
        "pattern": "^(" + "|".join(re.escape(v) for v in values) + ")$",
        "description": "one of: " + ", ".join(repr(v) for v in values),
    }
    if kwargs.get("allow_null"):
        schema["nullable"] = True

    def to_internal_value(self: serializers.ChoiceField, data: Any) -> Any:
        return serializers.ChoiceField.to_internal_value(
            self, proto_word(data, prefix=proto_prefix, words=words)
        )

    field_class = extend_schema_field(schema)(
        type("EnumField", (serializers.ChoiceField,), {"to_internal_value": to_internal_value})
    )
    return field_class(choices=choices, **kwargs)
