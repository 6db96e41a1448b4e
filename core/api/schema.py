"""The API's OpenAPI generation (drf-spectacular's AutoSchema with the project's one rule).

Every API parses JSON, forms and multipart alike (REST_FRAMEWORK's parsers), but request bodies
are documented as JSON only: a form cannot carry the lists, nested objects, nulls and numbers
most bodies hold, so a client (or a generator of test data) that picked a form from the schema
would send what the API must refuse. A view whose contract takes forms (the OAuth2-style token
routes) says so with `form_contract = True` and has its forms documented too.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.drainage import get_override

JSON = "application/json"


class AutoSchema(openapi.AutoSchema):
    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict[str, Any]:
        # A field whose schema states its own minimum length (core.api.fields.documented) keeps
        # it: drf-spectacular would write minLength 1 over it for every non-blank string.
        meta = super()._get_serializer_field_meta(field, direction)
        override = get_override(field, "field")
        if isinstance(override, dict) and "minLength" in override:
            meta.pop("minLength", None)
        return meta

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        # A serializer that takes exactly one of several groups of fields says so with
        # `one_of_required = [["a"], ["b", "c"]]`: its request schema gets the matching oneOf.
        schema = super()._map_basic_serializer(serializer, direction)
        groups = getattr(serializer, "one_of_required", None)
        if groups and direction == "request":
            schema["oneOf"] = [{"required": list(group)} for group in groups]
        # A PATCH that still needs some fields (`always_required`) says so in its partial schema.
        always = getattr(serializer, "always_required", None)
        if always and direction == "request":
            schema["required"] = sorted(set(schema.get("required", [])) | set(always))
        return schema

    def map_parsers(self) -> list[Any]:
        media = super().map_parsers()
        if getattr(self.view, "form_contract", False):
            return media
        # The Vault API reads JSON whatever the declared type ("*/*"): clients send JSON.
        return [JSON] if JSON in media or "*/*" in media else media
