"""HTTP ↔ service translation for /api/external-proxy/. No rules here: see services/."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import PageNumberPagination
from core.api.permissions import Requires
from core.filters import filter_values, filterset_parameters
from core.registry import setting_get

from .. import selectors, services
from ..filters import CatalogFilter
from ..models import Order
from ..services.common import shop_price
from ..services.export import orders_export
from ..services.refund_settle import RefundPending
from . import serializers as s

TAG = ["external-proxy"]
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeating a request with the same key returns the first result, never "
    "charging twice.",
)
ERRORS = {
    402: OpenApiResponse(description="Not enough balance"),
    404: OpenApiResponse(description="Unknown product"),
    409: OpenApiResponse(description="Sold or no longer available"),
    502: OpenApiResponse(description="Provider refused (e.g. its balance is too low)"),
    503: OpenApiResponse(description="Provider down or timed out"),
}


class CatalogView(APIView):
    @extend_schema(
        tags=TAG,
        parameters=filterset_parameters(CatalogFilter, [s.ShopCatalogPageQuerySerializer]),
        responses=s.ShopCatalogPageSerializer,
        summary="Proxies for sale (0-based pages)",
    )
    def get(self, request):
        filters = filter_values(CatalogFilter, request.query_params)
        query = s.ShopCatalogPageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page_size = data.get("page_size") or setting_get("proxyshop.page_size_default")
        return Response(
            selectors.catalog_page(filters=filters, page=data["page"], page_size=page_size)
        )


class CountriesView(APIView):
    @extend_schema(
        tags=TAG,
        responses=s.ShopCountrySerializer(many=True),
        summary="Countries with proxies for sale, with counts",
    )
    def get(self, request):
        return Response(selectors.catalog_countries())


def _purchase_response(order: Order, *, replayed: bool) -> Response:
    response = Response(s.ShopPurchaseResponseSerializer(order).data)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


class PurchaseView(APIView):
    @extend_schema(
        tags=TAG,
        request=s.ShopPurchaseRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.ShopPurchaseResponseSerializer, **ERRORS},
        summary="Buy one proxy",
    )
    def post(self, request):
        body = s.ShopPurchaseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order, replayed = services.proxy_purchase(
            user=request.user,
            product_id=body.validated_data["product_id"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return _purchase_response(order, replayed=replayed)


class BatchPurchaseView(APIView):
    @extend_schema(
        tags=TAG,
        request=s.ShopBatchRequestSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: s.ShopBatchResponseSerializer, **ERRORS},
        summary="Buy several proxies, all or nothing",
    )
    def post(self, request):
        body = s.ShopBatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        batch, replayed = services.proxies_purchase_batch(
            user=request.user,
            product_ids=data.get("product_ids"),
            quantity=data.get("quantity"),
            filters=filter_values(CatalogFilter, data, location="body"),
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        orders = list(batch.orders.order_by("id"))
        response = Response(
            s.ShopBatchResponseSerializer(
                {
                    "batch_id": batch.batch_id,
                    "count": len(orders),
                    "total_price": sum((o.price for o in orders), start=shop_price() * 0),
                    "orders": orders,
                }
            ).data
        )
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class RefundView(APIView):
    @extend_schema(
        tags=TAG,
        request=s.ShopRefundRequestSerializer,
        responses={
            200: s.ShopRefundResponseSerializer,
            403: OpenApiResponse(description="Not your order"),
            409: OpenApiResponse(description="Too late, still online, or already refunded"),
            503: OpenApiResponse(
                description="Provider down; or the provider did not answer the refund itself, "
                "which is then being checked (credited automatically if it went through; "
                "asking again checks at once). `Retry-After` (seconds) when the provider says "
                "the refund has not happened but it is too early to rule it out"
            ),
        },
        summary="Refund an order (within the window, if the proxy is offline)",
    )
    def post(self, request):
        body = s.ShopRefundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            amount = services.order_refund(
                actor=request.user, order_id=body.validated_data["order_id"]
            )
        except RefundPending as exc:
            if not exc.retry_after:
                raise
            return Response(
                {"detail": exc.message},
                status=exc.status_code,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return Response(
            {"status": "success", "message": "Proxy refunded successfully", "refund_amount": amount}
        )


class SyncView(APIView):
    permission_classes = [Requires("shop.write")]

    @extend_schema(
        tags=TAG,
        request=s.ShopSyncRequestSerializer,
        responses={
            200: s.ShopSyncResponseSerializer,
            409: OpenApiResponse(description="A sync is already running"),
            503: OpenApiResponse(description="Provider down"),
        },
        summary="Sync the inventory now (admins)",
    )
    def post(self, request):
        body = s.ShopSyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.proxies_sync(
            trigger="manual",
            country_code=body.validated_data.get("country_code"),
            page_size=body.validated_data.get("page_size"),
            actor=request.user,
        )
        return Response(s.ShopSyncResponseSerializer(run).data)


class CleanupView(APIView):
    permission_classes = [Requires("shop.write")]

    @extend_schema(
        tags=TAG,
        request=None,
        responses=s.ShopCleanupResponseSerializer,
        summary="Remove offline proxies from the inventory (admins)",
    )
    def post(self, request):
        removed = services.inventory_cleanup(actor=request.user)
        return Response(
            {
                "status": "success",
                "removed_count": removed,
                "message": f"Removed {removed} expired proxies from inventory",
            }
        )


class StatsView(APIView):
    permission_classes = [Requires("shop.read")]

    @extend_schema(tags=TAG, responses=s.ShopStatsSerializer, summary="Shop statistics (admins)")
    def get(self, request):
        return Response(s.ShopStatsSerializer(selectors.shop_stats()).data)


class SchedulerStatusView(APIView):
    permission_classes = [Requires("shop.read")]

    @extend_schema(
        tags=TAG,
        responses=s.ShopSchedulerStatusSerializer,
        summary="Sync schedule: last run, next run, last error, running now",
    )
    def get(self, request):
        return Response(s.ShopSchedulerStatusSerializer(selectors.scheduler_status()).data)


class OrderListView(APIView):
    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("page", int, description="1-based"),
            OpenApiParameter("page_size", int),
        ],
        responses=s.ShopOrderSerializer(many=True),
        summary="My orders",
    )
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.order_list(user=request.user), request, view=self
        )
        return paginator.get_paginated_response(s.ShopOrderSerializer(page, many=True).data)


class OrderDetailView(APIView):
    @extend_schema(
        tags=TAG,
        responses=s.ShopOrderDetailSerializer,
        summary="One of my orders, with its credentials",
    )
    def get(self, request, order_id: str):
        order = services.order_credentials_reveal(user=request.user, order_id=order_id)
        return Response(s.ShopOrderDetailSerializer(order).data)


class _PlainNegotiation(BaseContentNegotiation):
    """`?format=` names the export format here, not a DRF renderer."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OrderExportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _PlainNegotiation

    @extend_schema(
        tags=TAG,
        parameters=[OpenApiParameter("format", str, enum=["csv", "txt"], default="txt")],
        responses={(200, "text/csv"): OpenApiTypes.STR, (200, "text/plain"): OpenApiTypes.STR},
        summary="Export my active proxies: CSV, or TXT lines ip:port:login:password",
    )
    def get(self, request):
        document = orders_export(user=request.user, fmt=request.query_params.get("format", "txt"))
        response = HttpResponse(document.body, content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response


class BalanceView(APIView):
    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("page", int, description="1-based"),
            OpenApiParameter("page_size", int),
        ],
        responses=s.ShopBalanceSerializer,
        summary="My balance and ledger",
    )
    def get(self, request):
        paginator = PageNumberPagination()
        entries = paginator.paginate_queryset(
            selectors.ledger_entries(user=request.user), request, view=self
        )
        page = paginator.page
        assert page is not None  # paginate_queryset set it (the API's lists have a page size)
        return Response(
            s.ShopBalanceSerializer(
                {
                    "username": request.user.username,
                    "balance": selectors.wallet_balance(user=request.user),
                    "currency": "USD",
                    "count": page.paginator.count,
                    "page": page.number,
                    "page_size": paginator.get_page_size(request),
                    "entries": entries,
                }
            ).data
        )


class TopupView(APIView):
    permission_classes = [Requires("wallets.write")]

    @extend_schema(
        tags=TAG,
        request=s.ShopTopupRequestSerializer,
        responses=s.ShopTopupResponseSerializer,
        summary="Top up a user's balance (admins)",
    )
    def post(self, request):
        body = s.ShopTopupRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        entry = services.wallet_topup(
            actor=request.user,
            username=data["username"],
            amount=data["amount"],
            note=data["note"],
        )
        return Response(
            s.ShopTopupResponseSerializer(
                {
                    "username": data["username"],
                    "balance": entry.balance_after,
                    "entry": entry,
                }
            ).data
        )
