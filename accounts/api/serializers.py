"""Request and response shapes of the fleet API (the contract's messages as JSON)."""

from __future__ import annotations

from rest_framework import serializers

from core.api.fields import documented, enum

from ..models import Account, AccountStatus, Platform, Proxy, SmsActivation, SmsStatus
from ..warming.models import ActionType


class AccountSerializer(serializers.ModelSerializer):
    """An account without its credentials (those come only from GET …/credentials)."""

    platform = enum(Platform.choices, read_only=True)
    status = enum(AccountStatus.choices, read_only=True)
    proxy_id = serializers.IntegerField(allow_null=True, read_only=True)
    has_proxy = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            "platform",
            "login",
            "status",
            "tags",
            "proxy_id",
            "has_proxy",
            "proxy_assigned_at",
            "created_at",
            "updated_at",
        ]

    def get_has_proxy(self, obj: Account) -> bool:
        return obj.proxy_id is not None


class AccountCreateSerializer(serializers.Serializer):
    platform = enum(Platform.choices)
    login = serializers.CharField(max_length=255)
    password = serializers.CharField(max_length=10000, trim_whitespace=False)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    additional = serializers.DictField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )
    status = enum(
        [AccountStatus.CREATING, AccountStatus.ACTIVE],
        proto_prefix="ACCOUNT_STATUS_",
        required=False,
    )


class CredentialsSerializer(serializers.Serializer):
    """The contract's GetCredentialsResponse."""

    login = serializers.CharField()
    password = serializers.CharField()
    phone = serializers.CharField()
    additional = serializers.DictField(child=serializers.CharField())


class StatusChangeSerializer(serializers.Serializer):
    status = enum(AccountStatus.choices, proto_prefix="ACCOUNT_STATUS_")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StatusChangeResponseSerializer(serializers.Serializer):
    """The contract's UpdateStatusResponse."""

    success = serializers.BooleanField()
    previous_status = serializers.CharField()


class ProxySerializer(serializers.ModelSerializer):
    """The contract's Proxy message, password included (the account's client needs it)."""

    password = serializers.SerializerMethodField()
    protocol = enum(Proxy.Protocol.choices, read_only=True)

    class Meta:
        model = Proxy
        fields = [
            "id",
            "host",
            "port",
            "protocol",
            "username",
            "password",
            "country",
            "provider",
            "expires_at",
        ]

    def get_password(self, obj: Proxy) -> str:
        return obj.password or ""


class ProxyListSerializer(serializers.ModelSerializer):
    """A proxy of the pool, as listed: health and usage, never the password."""

    bound_accounts = serializers.IntegerField(read_only=True)
    protocol = enum(Proxy.Protocol.choices, read_only=True)
    # Named like Field's own `source` attribute (the proxy's origin here).
    source = enum(Proxy.Source.choices, read_only=True)  # type: ignore[assignment]
    health = enum(Proxy.Health.choices, read_only=True)

    class Meta:
        model = Proxy
        fields = [
            "id",
            "host",
            "port",
            "protocol",
            "username",
            "country",
            "provider",
            "expires_at",
            "is_disabled",
            "source",
            "health",
            "last_checked_at",
            "last_latency_ms",
            "last_error",
            "consecutive_failures",
            "bound_accounts",
            "created_at",
        ]


class ProxyCreateSerializer(serializers.Serializer):
    """One proxy (host, port, …) or many as `lines` of `host:port:user:pass`."""

    one_of_required = [["host", "port"], ["lines"]]

    lines = documented(
        serializers.ListField(
            child=serializers.CharField(allow_blank=True, trim_whitespace=False),
            required=False,
            max_length=10000,
        ),
        {
            "type": "array",
            "maxItems": 10000,
            "items": {
                "type": "string",
                # host:port or host:port:user:pass (ports written here 1..59999)
                "pattern": r"^[A-Za-z0-9.-]{1,253}:([1-9][0-9]{0,3}|[1-5][0-9]{4})(:[^:]+:.+)?$",
            },
        },
    )
    host = serializers.CharField(max_length=255, required=False)
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    protocol = enum(Proxy.Protocol.choices, required=False, default=Proxy.Protocol.SOCKS5)
    username = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    password = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    provider = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if "lines" not in attrs and ("host" not in attrs or "port" not in attrs):
            raise serializers.ValidationError(
                {"host": ["host and port are required (or give `lines`)."]}
            )
        return attrs


class ProxyLineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based line number")
    error = serializers.CharField()


class ProxyBulkResultSerializer(serializers.Serializer):
    created = ProxyListSerializer(many=True)
    # An answer field named like Serializer's own property.
    errors = ProxyLineErrorSerializer(many=True)  # type: ignore[assignment]


class AllocateSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()
    platform = enum(Platform.choices, required=False, allow_blank=True)
    preferred_country = serializers.CharField(required=False, allow_blank=True, default="")
    preferred_provider = serializers.CharField(required=False, allow_blank=True, default="")


class AccountRefSerializer(serializers.Serializer):
    account_id = serializers.IntegerField()


class ReleaseResponseSerializer(serializers.Serializer):
    """The contract's ReleaseProxyResponse."""

    success = serializers.BooleanField()
    released_proxy_id = serializers.IntegerField(allow_null=True)


class ProxyHealthSerializer(serializers.Serializer):
    """The contract's ProxyHealth."""

    proxy_id = serializers.IntegerField()
    healthy = serializers.BooleanField()
    health = enum(Proxy.Health.choices)
    latency_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    consecutive_failures = serializers.IntegerField()
    checked_at = serializers.DateTimeField()
    released_accounts = serializers.ListField(child=serializers.IntegerField())


class SmsActivationSerializer(serializers.ModelSerializer):
    """The contract's SMSActivation (the code itself only comes from GET …/code)."""

    status = enum(SmsStatus.choices, read_only=True)

    class Meta:
        model = SmsActivation
        fields = [
            "id",
            "phone",
            "service",
            "country",
            "operator",
            "status",
            "expires_at",
            "created_at",
        ]


class SmsNumberRequestSerializer(serializers.Serializer):
    """The contract's GetNumberRequest."""

    service = enum(Platform.choices)
    country = serializers.CharField(max_length=8, required=False, default="ru")
    operator = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    account_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class SmsCodeQuerySerializer(serializers.Serializer):
    timeout_seconds = serializers.IntegerField(min_value=0, required=False, default=120)


class SmsCodeResponseSerializer(serializers.Serializer):
    """The contract's GetCodeResponse."""

    code = serializers.CharField(allow_blank=True)
    success = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    status = enum(SmsStatus.choices)


class SmsCancelResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    status = enum(SmsStatus.choices)


class SmsBalanceSerializer(serializers.Serializer):
    provider = serializers.CharField()
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)


class ShopOrderImportSerializer(serializers.Serializer):
    order_id = serializers.CharField(max_length=32)


class VkRegisterSerializer(serializers.Serializer):
    """VKService Register: a new VK account through the driver."""

    login = serializers.CharField(max_length=255)
    password = serializers.CharField(max_length=10000, trim_whitespace=False)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    params = serializers.DictField(child=serializers.CharField(), required=False, default=dict)


class VkRegisterResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    account_id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)


class VkActionSerializer(serializers.Serializer):
    """VKService ExecuteAction: `action_type` is a word (`like_post`) or its contract name
    (`ACTION_TYPE_LIKE_POST`)."""

    account_id = serializers.IntegerField(min_value=1)
    action_type = enum(ActionType.choices, proto_prefix="ACTION_TYPE_")
    params = serializers.DictField(child=serializers.CharField(), required=False, default=dict)


class ActionResultSerializer(serializers.Serializer):
    action_type = serializers.CharField()
    duration_ms = serializers.IntegerField()
    # An answer field named like Serializer's own property.
    data = serializers.DictField(child=serializers.CharField())  # type: ignore[assignment]


class VkActionResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)
    result = ActionResultSerializer()


class VkStatusResponseSerializer(serializers.Serializer):
    """VKService CheckAccountStatus."""

    account_id = serializers.IntegerField()
    platform_status = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    status = enum(AccountStatus.choices)
    previous_status = enum(AccountStatus.choices)
