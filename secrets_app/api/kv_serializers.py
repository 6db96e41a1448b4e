"""Request and response shapes of the secrets store's REST routes (the contract's and KV v2)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import documented
from core.registry import TYPES, definition
from core.security import security_field_schema

from ..models.policies import CAPABILITIES
from ..services.kv_validation import (
    MAX_METADATA_KEY,
    MAX_METADATA_KEYS,
    MAX_METADATA_VALUE,
    MAX_PATH,
    PATH_PATTERN,
)
from .serializers import DurationField


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "object"}]})
class SecretValueField(serializers.Field):
    """A string or a JSON object; anything else is a 422."""

    def to_internal_value(self, data):
        if not isinstance(data, str | dict):
            raise serializers.ValidationError("Expected a string or a JSON object.")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": MAX_METADATA_KEYS,
        "description": f"keys of 1..{MAX_METADATA_KEY} characters",
        "additionalProperties": {"type": "string", "maxLength": MAX_METADATA_VALUE},
    }
)
class StringMapField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(allow_blank=True, max_length=MAX_METADATA_VALUE), **kwargs
        )


# A secret's path as the API accepts it (secrets_app.services.kv_validation.normalize_path).
SECRET_PATH_SCHEMA = {"type": "string", "maxLength": MAX_PATH, "pattern": PATH_PATTERN}
# A folder: a path, or "" for the root.
SECRET_FOLDER_SCHEMA = {"type": "string", "maxLength": MAX_PATH, "pattern": "^$|" + PATH_PATTERN}


@extend_schema_field(SECRET_PATH_SCHEMA)
class SecretPathField(serializers.CharField):
    """A secret's path; the service normalizes and validates it (the schema states its rules)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_PATH + 2, **kwargs)  # a leading and a trailing "/"


class SecretCreateSerializer(serializers.Serializer):
    one_of_required = [["path"], ["name"]]

    path = SecretPathField(required=False)
    name = SecretPathField(required=False, help_text="alias of path")
    value = SecretValueField()
    metadata = StringMapField(required=False)
    ttl = DurationField(required=False, allow_null=True)
    cas = serializers.IntegerField(required=False, min_value=0)

    def validate(self, attrs):
        if not attrs.get("path") and not attrs.get("name"):
            raise serializers.ValidationError({"path": ["This field is required."]})
        attrs["path"] = attrs.get("path") or attrs.pop("name")
        return attrs


class SecretUpdateSerializer(serializers.Serializer):
    # PATCH writes a new version as PUT does: the value is required there too.
    always_required = ["value"]

    value = SecretValueField()
    metadata = StringMapField(required=False)
    ttl = DurationField(required=False, allow_null=True)
    cas = serializers.IntegerField(required=False, min_value=0)


class SecretMetaSerializer(serializers.Serializer):
    """What the list and the create answer carry: never the value."""

    id = serializers.UUIDField()
    path = serializers.CharField()
    version = serializers.IntegerField(source="current_version")
    metadata = StringMapField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class SecretReadSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    path = serializers.CharField()
    version = serializers.IntegerField()
    current_version = serializers.IntegerField()
    value = SecretValueField()
    metadata = StringMapField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version_created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


class VersionInfoSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    created_time = serializers.DateTimeField(source="created_at")
    deletion_time = serializers.DateTimeField(allow_null=True)
    destroyed = serializers.BooleanField()


class SecretMetadataSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    path = serializers.CharField()
    current_version = serializers.IntegerField()
    oldest_version = serializers.IntegerField()
    max_versions = serializers.IntegerField()
    cas_required = serializers.BooleanField()
    delete_version_after = serializers.IntegerField()
    custom_metadata = StringMapField(source="metadata")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    versions = VersionInfoSerializer(many=True, source="version_list")


class SecretMetadataUpdateSerializer(serializers.Serializer):
    max_versions = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    cas_required = serializers.BooleanField(required=False)
    delete_version_after = DurationField(required=False)
    custom_metadata = StringMapField(required=False)


class VersionsSerializer(serializers.Serializer):
    versions = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)


class VersionsOptionalSerializer(serializers.Serializer):
    versions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, required=False
    )


class VersionsChangedSerializer(serializers.Serializer):
    path = serializers.CharField()
    versions = serializers.ListField(child=serializers.IntegerField())


def _wrap_ttl_text_pattern(limit: int) -> str:
    """Durations below `limit` seconds written with one unit (or none): a subset the schema can
    state by digits (the API reads any duration and refuses one over the limit)."""
    days = max(min(limit // 86400 - 1, 9), 0)
    seconds = len(str(limit)) - 1
    return rf"^([1-9][0-9]{{0,{seconds - 1}}}|[1-9][0-9]?[smh]" + (
        f"|[1-{days}]d)$" if days else ")$"
    )


# A wrapping TTL: up to secrets.wrap_max_ttl (the schema states the registry default).
_WRAP_MAX = definition("secrets.wrap_max_ttl").default_value()
WRAP_TTL_DESCRIPTION = f"seconds or a duration, at most secrets.wrap_max_ttl (default {_WRAP_MAX})"
WRAP_TTL_TEXT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": _wrap_ttl_text_pattern(_WRAP_MAX),
    "example": "1h",
}
WRAP_TTL_SCHEMA: dict[str, Any] = {
    "oneOf": [{"type": "integer", "minimum": 1, "maximum": _WRAP_MAX}, WRAP_TTL_TEXT_SCHEMA],
    "description": WRAP_TTL_DESCRIPTION,
}


class WrapCreateSerializer(serializers.Serializer):
    value = SecretValueField()
    ttl = documented(DurationField(required=False), WRAP_TTL_SCHEMA)


class WrapSecretSerializer(serializers.Serializer):
    ttl = documented(DurationField(required=False), WRAP_TTL_SCHEMA)


class WrapResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    url = serializers.CharField(
        help_text="the page where a person opens it once: `/secrets/share/#<token>` (the token "
        "after `#`, which browsers never send to a server)"
    )


class UnwrapSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class UnwrapResponseSerializer(serializers.Serializer):
    value = SecretValueField()


class SecretListQuerySerializer(serializers.Serializer):
    path_prefix = documented(
        serializers.CharField(required=False, allow_blank=True, max_length=600),
        SECRET_FOLDER_SCHEMA,
    )
    metadata_key = serializers.CharField(required=False, allow_blank=True, max_length=128)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class SecretChildrenSerializer(serializers.Serializer):
    keys = serializers.ListField(child=serializers.CharField())


# --- sys --------------------------------------------------------------------------------------


@extend_schema_field({})
class AnyValueField(serializers.Field):
    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class SettingSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = AnyValueField(allow_null=True)
    type = serializers.CharField()
    description = serializers.CharField()
    default = AnyValueField(allow_null=True)
    secret = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)
    problem = serializers.CharField(
        allow_null=True,
        help_text="Why the stored value cannot be read (sealed with a key no longer in "
        "ENCRYPTION_KEYS; `value` is then null), else null.",
    )


class SettingWriteSerializer(serializers.Serializer):
    # A registered key (`domain.name`) or a new `custom.<name>`; the value's type is the key's.
    key = documented(
        serializers.CharField(max_length=100),
        {
            "type": "string",
            "maxLength": 100,
            "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$",
            "description": "a registered key, or custom.<name> to create a custom setting",
        },
    )
    value = documented(
        AnyValueField(),
        {
            "anyOf": [
                {"type": "string"},
                {"type": "number"},
                {"type": "boolean"},
                {"type": "object"},
                {"type": "array", "items": {}},
            ],
            "description": "of the key's type (GET /api/v1/sys/settings lists them)",
        },
    )
    # Only for a new `custom.*` setting (README, "Custom settings"): its type (inferred from
    # the JSON value when absent) and a description.
    type = serializers.ChoiceField(choices=list(TYPES), required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SecuritySerializer(serializers.Serializer):
    """Any subset of the security configuration; each field documented from its registry
    definition (bounds, networks), which the service validates against."""

    require_https = documented(
        serializers.BooleanField(required=False), security_field_schema("require_https")
    )
    trusted_proxies = documented(
        serializers.ListField(child=serializers.CharField(), required=False),
        security_field_schema("trusted_proxies"),
    )
    allowed_cidrs = documented(
        serializers.ListField(child=serializers.CharField(), required=False),
        security_field_schema("allowed_cidrs"),
    )
    token_default_ttl = documented(
        DurationField(required=False), security_field_schema("token_default_ttl")
    )
    token_max_ttl = documented(
        DurationField(required=False), security_field_schema("token_max_ttl")
    )
    default_bound_cidrs = documented(
        serializers.ListField(child=serializers.CharField(), required=False),
        security_field_schema("default_bound_cidrs"),
    )
    lockout_threshold = documented(
        serializers.IntegerField(required=False), security_field_schema("lockout_threshold")
    )
    lockout_account_threshold = documented(
        serializers.IntegerField(required=False), security_field_schema("lockout_account_threshold")
    )
    lockout_ip_threshold = documented(
        serializers.IntegerField(required=False), security_field_schema("lockout_ip_threshold")
    )
    lockout_window = documented(
        DurationField(required=False), security_field_schema("lockout_window")
    )
    password_min_length = documented(
        serializers.IntegerField(required=False), security_field_schema("password_min_length")
    )
    refresh_token_ttl = documented(
        DurationField(required=False), security_field_schema("refresh_token_ttl")
    )
    signup_limit = documented(
        serializers.IntegerField(required=False), security_field_schema("signup_limit")
    )
    signup_window = documented(
        DurationField(required=False), security_field_schema("signup_window")
    )


class PolicyRuleSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=512)
    capabilities = documented(
        serializers.ListField(child=serializers.CharField()),
        {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(CAPABILITIES)}},
    )


class PolicySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    rules = PolicyRuleSerializer(many=True)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
