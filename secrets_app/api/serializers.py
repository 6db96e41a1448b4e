from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import documented
from core.durations import DURATION_SCHEMA

from ..models import Role, Token, User
from ..usernames import USERNAME_SCHEMA, password_schema


@extend_schema_field(
    {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
)
class FlexibleListField(serializers.Field):
    """A list, or a comma/space-separated string, of short strings."""

    def __init__(self, *, separator: str = ",", **kwargs):
        self.separator = separator
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            parts = data.replace(",", " ").split() if self.separator == " " else data.split(",")
            return [p.strip() for p in parts if p.strip()]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            return [item.strip() for item in data if item.strip()]
        raise serializers.ValidationError("Expected a list of strings or a separated string.")

    def to_representation(self, value):
        return value


@extend_schema_field(DURATION_SCHEMA)
class DurationField(serializers.Field):
    """Seconds (int) or a Vault duration string like `1h30m`; validated by the service."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            raise serializers.ValidationError("Expected seconds or a duration like '1h30m'.")
        return data

    def to_representation(self, value):
        return value


class TokenCreateSerializer(serializers.Serializer):
    grant_type = serializers.ChoiceField(choices=["password"], required=False)
    username = serializers.CharField(required=False, max_length=150)
    password = serializers.CharField(required=False, trim_whitespace=False, max_length=1024)
    scope = serializers.CharField(required=False, allow_blank=True, max_length=500)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    client_secret = serializers.CharField(required=False, allow_blank=True, max_length=256)
    ttl = DurationField(required=False)
    explicit_max_ttl = DurationField(required=False)
    num_uses = serializers.IntegerField(required=False, min_value=0)
    one_time = serializers.BooleanField(required=False, default=False)
    bound_cidrs = FlexibleListField(required=False)
    policies = FlexibleListField(required=False)
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    renewable = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if attrs.get("grant_type") == "password":
            missing = [f for f in ("username", "password") if not attrs.get(f)]
            if missing:
                raise serializers.ValidationError(
                    {f: ["This field is required for grant_type=password."] for f in missing}
                )
        if attrs.get("one_time") and attrs.get("num_uses", 1) not in (0, 1):
            raise serializers.ValidationError({"num_uses": ["one_time tokens have num_uses=1."]})
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
    refresh_token = serializers.CharField(allow_null=True)
    accessor = serializers.CharField()
    scope = serializers.CharField()


class TokenRenewSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=200)


class TokenRevokeSerializer(serializers.Serializer):
    revoke_token = serializers.CharField(max_length=200)


class RevokedSerializer(serializers.Serializer):
    revoked = serializers.BooleanField()


class TokenLookupSerializer(serializers.Serializer):
    accessor = serializers.CharField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    policies = serializers.ListField(child=serializers.CharField())
    creation_time = serializers.DateTimeField()
    expire_time = serializers.DateTimeField(allow_null=True)
    explicit_max_expire_time = serializers.DateTimeField(allow_null=True)
    ttl = serializers.IntegerField()
    renewable = serializers.BooleanField()
    num_uses = serializers.IntegerField()
    uses_remaining = serializers.IntegerField(allow_null=True)
    bound_cidrs = serializers.ListField(child=serializers.CharField())
    parent_accessor = serializers.CharField(allow_null=True)
    type = serializers.CharField()


class TokenAdminSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    live = serializers.BooleanField(source="is_live")

    class Meta:
        model = Token
        fields = [
            "accessor",
            "username",
            "display_name",
            "policies",
            "bound_cidrs",
            "created_at",
            "expires_at",
            "max_expires_at",
            "num_uses",
            "uses_remaining",
            "renewable",
            "revoked_at",
            "revoke_reason",
            "live",
            "kind",
        ]


class PlatformUserCreateSerializer(serializers.Serializer):
    username = documented(serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150), USERNAME_SCHEMA)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.USER)
    password = documented(
        serializers.CharField(trim_whitespace=False, max_length=1024), password_schema()
    )


class PlatformUserSerializer(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="date_joined")

    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "created_at"]


class DeletedSerializer(serializers.Serializer):
    deleted = serializers.BooleanField()
    username = serializers.CharField()


class AccessorSerializer(serializers.Serializer):
    accessor = serializers.CharField(max_length=40)
