"""Request and response shapes of the secrets store's REST routes (the contract's and KV v2)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.registry import TYPES

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


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class StringMapField(serializers.DictField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(allow_blank=True, max_length=512), **kwargs)


class SecretCreateSerializer(serializers.Serializer):
    path = serializers.CharField(required=False, max_length=600)
    name = serializers.CharField(required=False, max_length=600, help_text="alias of path")
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
    max_versions = serializers.IntegerField(required=False, min_value=0)
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


class WrapCreateSerializer(serializers.Serializer):
    value = SecretValueField(required=False)
    ttl = DurationField(required=False)


class WrapSecretSerializer(serializers.Serializer):
    ttl = DurationField(required=False)


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
    path_prefix = serializers.CharField(required=False, allow_blank=True, max_length=600)
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


class SettingWriteSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100)
    value = AnyValueField()
    # Only for a new `custom.*` setting (README, "Custom settings"): its type (inferred from
    # the JSON value when absent) and a description.
    type = serializers.ChoiceField(choices=list(TYPES), required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SecuritySerializer(serializers.Serializer):
    require_https = serializers.BooleanField(required=False)
    trusted_proxies = serializers.ListField(child=serializers.CharField(), required=False)
    allowed_cidrs = serializers.ListField(child=serializers.CharField(), required=False)
    token_default_ttl = DurationField(required=False)
    token_max_ttl = DurationField(required=False)
    default_bound_cidrs = serializers.ListField(child=serializers.CharField(), required=False)
    lockout_threshold = serializers.IntegerField(required=False)
    lockout_account_threshold = serializers.IntegerField(required=False)
    lockout_ip_threshold = serializers.IntegerField(required=False)
    lockout_window = DurationField(required=False)
    password_min_length = serializers.IntegerField(required=False)
    refresh_token_ttl = DurationField(required=False)
    signup_limit = serializers.IntegerField(required=False)
    signup_window = DurationField(required=False)


class PolicyRuleSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=512)
    capabilities = serializers.ListField(child=serializers.CharField())


class PolicySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=300)
    rules = PolicyRuleSerializer(many=True)
    roles = serializers.ListField(child=serializers.CharField(), required=False)
