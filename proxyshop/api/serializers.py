"""Request and response shapes of /api/external-proxy/ (the contract's, plus the spec's routes)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import documented
from core.ints import INT64_MAX
from core.registry import definition

from ..models import LedgerEntry, Order, ProductType, SyncRun
from ..selectors import order_refund_eligible


def Money(**kwargs) -> serializers.DecimalField:  # noqa: N802 - reads like a field class
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, **kwargs
    )


class ShopCatalogPageQuerySerializer(serializers.Serializer):
    """The catalogue's 0-based paging (its filters are proxyshop.filters.CatalogFilter)."""

    page = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=10**6)


class ShopCatalogFilterSerializer(serializers.Serializer):
    """The catalogue filters in a request body (batch purchase); CatalogFilter applies them."""

    country_code = serializers.CharField(required=False, max_length=8)
    city = serializers.CharField(required=False, max_length=100)
    type = serializers.ChoiceField(choices=ProductType.values, required=False)
    isp = serializers.CharField(required=False, max_length=200)
    max_speed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)


class ShopCatalogItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    proxy_id = serializers.IntegerField()
    country = serializers.CharField()
    country_code = serializers.CharField()
    city = serializers.CharField()
    ISP = serializers.CharField()
    price = Money()
    status = serializers.IntegerField()
    type = serializers.CharField()
    speed = serializers.IntegerField(allow_null=True)


class ShopCatalogPageSerializer(serializers.Serializer):
    proxies = ShopCatalogItemSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


class ShopCountrySerializer(serializers.Serializer):
    country_code = serializers.CharField()
    country = serializers.CharField()
    count = serializers.IntegerField()


class ShopPurchaseRequestSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)


class ShopCredentialsSerializer(serializers.Serializer):
    ip = serializers.CharField()
    port = serializers.CharField()
    login = serializers.CharField()
    password = serializers.CharField()
    country = serializers.CharField()
    ISP = serializers.CharField()


class ShopPurchaseResponseSerializer(serializers.Serializer):
    order_id = serializers.CharField()
    proxy_id = serializers.IntegerField()
    credentials = serializers.SerializerMethodField()
    price = Money()
    expires_at = serializers.DateTimeField(allow_null=True)
    refundable = serializers.BooleanField()

    @extend_schema_field(ShopCredentialsSerializer)
    def get_credentials(self, order: Order) -> dict:
        creds = order.credentials
        return {
            k: str(creds.get(k, "")) for k in ("ip", "port", "login", "password", "country", "ISP")
        }


_BATCH_MAX = definition("proxyshop.batch_max").default_value()


class ShopBatchRequestSerializer(ShopCatalogFilterSerializer):
    """Either `product_ids` (distinct) or `quantity`, at most proxyshop.batch_max (the schema
    states its default)."""

    one_of_required = [["product_ids"], ["quantity"]]

    product_ids = documented(
        serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, allow_empty=False
        ),
        {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": INT64_MAX},
            "minItems": 1,
            "maxItems": _BATCH_MAX,
            "uniqueItems": True,
        },
    )
    quantity = documented(
        serializers.IntegerField(required=False, min_value=1),
        {"type": "integer", "minimum": 1, "maximum": _BATCH_MAX},
    )

    def validate(self, attrs):
        if ("product_ids" in attrs) == ("quantity" in attrs):
            raise serializers.ValidationError("Give either product_ids or quantity.")
        return attrs


class ShopBatchResponseSerializer(serializers.Serializer):
    batch_id = serializers.CharField()
    count = serializers.IntegerField()
    total_price = Money()
    orders = ShopPurchaseResponseSerializer(many=True)


class ShopRefundRequestSerializer(serializers.Serializer):
    order_id = serializers.CharField(max_length=32)


class ShopRefundResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    refund_amount = Money()


class ShopSyncRequestSerializer(serializers.Serializer):
    country_code = serializers.CharField(required=False, allow_blank=True, max_length=8)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=5000)


class ShopSyncRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField()

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "trigger",
            "status",
            "country_code",
            "total_fetched",
            "total_available_external",
            "added",
            "updated",
            "skipped",
            "removed",
            "invalid",
            "pages",
            "sync_time",
            "finished_at",
            "duration",
            "error",
            "actor",
        ]


class ShopSyncResponseSerializer(serializers.Serializer):
    total_fetched = serializers.IntegerField()
    total_available_external = serializers.IntegerField()
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    removed = serializers.IntegerField()
    sync_time = serializers.DateTimeField()
    duration = serializers.FloatField(allow_null=True)
    sync_run_id = serializers.IntegerField(source="id")


class ShopCleanupResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    removed_count = serializers.IntegerField()
    message = serializers.CharField()


class ShopStatsSerializer(serializers.Serializer):
    total_inventory = serializers.IntegerField()
    total_sold = serializers.IntegerField()
    total_refunded = serializers.IntegerField()
    revenue = Money()
    countries_available = serializers.IntegerField()
    last_sync = serializers.DateTimeField(allow_null=True)


class ShopSchedulerStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    interval_minutes = serializers.FloatField(allow_null=True)
    running = serializers.BooleanField()
    next_run = serializers.DateTimeField(allow_null=True)
    last_run = ShopSyncRunSerializer(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    last_error_at = serializers.DateTimeField(allow_null=True)


class ShopOrderSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    country = serializers.CharField(source="product.country")
    country_code = serializers.CharField(source="product.country_code")
    city = serializers.CharField(source="product.city")
    ISP = serializers.CharField(source="product.isp")
    type = serializers.CharField(source="product.type")
    price = Money()
    refund_amount = Money(allow_null=True)
    refund_eligible = serializers.SerializerMethodField()
    status = serializers.CharField()

    class Meta:
        model = Order
        fields = [
            "order_id",
            "proxy_id",
            "product_id",
            "country",
            "country_code",
            "city",
            "ISP",
            "type",
            "price",
            "status",
            "refundable",
            "refund_eligible",
            "created_at",
            "expires_at",
            "refunded_at",
            "refund_amount",
        ]

    def get_refund_eligible(self, order: Order) -> bool:
        return order_refund_eligible(order)


class ShopOrderDetailSerializer(ShopOrderSerializer):
    credentials = serializers.SerializerMethodField()

    class Meta(ShopOrderSerializer.Meta):
        fields = [*ShopOrderSerializer.Meta.fields, "credentials"]

    @extend_schema_field(ShopCredentialsSerializer)
    def get_credentials(self, order: Order) -> dict:
        return ShopPurchaseResponseSerializer().get_credentials(order)


class ShopLedgerEntrySerializer(serializers.ModelSerializer):
    amount = Money()
    balance_after = Money()
    order_id = serializers.CharField(source="order.order_id", allow_null=True, default=None)
    kind = serializers.CharField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "balance_after",
            "order_id",
            "note",
            "actor",
            "created_at",
        ]


class ShopBalanceSerializer(serializers.Serializer):
    username = serializers.CharField()
    balance = Money()
    currency = serializers.CharField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    entries = ShopLedgerEntrySerializer(many=True)


def _positive_amount_pattern(whole_digits: int) -> str:
    """A positive amount with at most `whole_digits` digits before the point and two after."""
    return rf"^([1-9][0-9]{{0,{whole_digits - 1}}}(\.[0-9]{{1,2}})?|0?\.(0[1-9]|[1-9][0-9]?))$"


_TOPUP_MAX = definition("proxyshop.topup_max").default_value()


class ShopTopupRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # The schema states the registry's default ceiling (proxyshop.topup_max) by digits: below it.
    amount = documented(
        serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01")),
        {
            "type": "string",
            "format": "decimal",
            "pattern": _positive_amount_pattern(len(str(int(_TOPUP_MAX))) - 1),
            "description": f"0.01 up to proxyshop.topup_max (default {_TOPUP_MAX})",
        },
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ShopTopupResponseSerializer(serializers.Serializer):
    username = serializers.CharField()
    balance = Money()
    entry = ShopLedgerEntrySerializer()
