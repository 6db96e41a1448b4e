"""Shapes of the Vault-compatible API, for the OpenAPI schema (the views build plain dicts)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api.fields import documented
from core.durations import DURATION_SCHEMA
from core.ints import INT64_MAX

# The largest max_versions a secret or the mount takes (a 32-bit column).
MAX_VERSIONS = 2**31 - 1


class VaultErrorSerializer(serializers.Serializer):
    # An answer field named like Serializer's own property.
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class VaultAuthSerializer(serializers.Serializer):
    client_token = serializers.CharField()
    accessor = serializers.CharField()
    policies = serializers.ListField(child=serializers.CharField())
    token_policies = serializers.ListField(child=serializers.CharField())
    metadata = serializers.DictField(child=serializers.CharField(), allow_null=True)
    lease_duration = serializers.IntegerField()
    renewable = serializers.BooleanField()
    entity_id = serializers.CharField()
    token_type = serializers.CharField()
    orphan = serializers.BooleanField()
    num_uses = serializers.IntegerField()


class VaultEnvelopeSerializer(serializers.Serializer):
    request_id = serializers.CharField()
    lease_id = serializers.CharField()
    renewable = serializers.BooleanField()
    lease_duration = serializers.IntegerField()
    # An answer field named like Serializer's own property.
    data = serializers.JSONField(allow_null=True)  # type: ignore[assignment]
    wrap_info = serializers.JSONField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), allow_null=True)
    auth = VaultAuthSerializer(allow_null=True)


class VaultTokenCreateSerializer(serializers.Serializer):
    policies = serializers.ListField(child=serializers.CharField(), required=False)
    meta = serializers.DictField(child=serializers.CharField(), required=False)
    no_default_policy = serializers.BooleanField(required=False)
    renewable = serializers.BooleanField(required=False)
    ttl = documented(
        serializers.CharField(required=False, help_text="seconds or a duration like 1h30m"),
        DURATION_SCHEMA,
    )
    explicit_max_ttl = documented(serializers.CharField(required=False), DURATION_SCHEMA)
    display_name = serializers.CharField(required=False)
    num_uses = serializers.IntegerField(required=False, min_value=0)
    bound_cidrs = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="extension: bind to networks"
    )


class VaultRenewSelfSerializer(serializers.Serializer):
    increment = documented(
        serializers.CharField(required=False, help_text="seconds or a duration"), DURATION_SCHEMA
    )


class VaultKVOptionsSerializer(serializers.Serializer):
    cas = serializers.IntegerField(required=False, min_value=0)


class VaultKVWriteSerializer(serializers.Serializer):
    # An answer field named like Serializer's own property.
    data = serializers.DictField()  # type: ignore[assignment]
    options = VaultKVOptionsSerializer(required=False)


class VaultKVMetadataSerializer(serializers.Serializer):
    max_versions = serializers.IntegerField(required=False, min_value=0, max_value=MAX_VERSIONS)
    cas_required = serializers.BooleanField(required=False)
    delete_version_after = documented(serializers.CharField(required=False), DURATION_SCHEMA)
    custom_metadata = serializers.DictField(child=serializers.CharField(), required=False)


class VaultKVVersionsSerializer(serializers.Serializer):
    versions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=INT64_MAX), min_length=1
    )


class VaultKVConfigSerializer(serializers.Serializer):
    max_versions = serializers.IntegerField(required=False, min_value=0, max_value=MAX_VERSIONS)
    cas_required = serializers.BooleanField(required=False)
    delete_version_after = documented(serializers.CharField(required=False), DURATION_SCHEMA)


class VaultAnyObjectSerializer(serializers.Serializer):
    """Any JSON object (the value to wrap)."""


class VaultUnwrapSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, help_text="or send it as X-Vault-Token")


ERRORS = {
    400: OpenApiResponse(VaultErrorSerializer, description="Bad input or a cas mismatch"),
    403: OpenApiResponse(VaultErrorSerializer, description="Missing or refused token"),
    404: OpenApiResponse(VaultErrorSerializer, description='Nothing there: {"errors": []}'),
}
NO_CONTENT = {204: OpenApiResponse(description="Done; no body")}
