"""ProxyService over REST: add, list, allocate, release, rotate, check health."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import PAGE_PARAMETERS
from core.errors import InvalidArgument
from core.filters import filterset_parameters

from ..filters import ProxyFilter
from ..selectors import proxy_list
from ..services.proxies import (
    proxies_import_lines,
    proxy_allocate,
    proxy_create,
    proxy_release,
    proxy_rotate,
)
from ..services.proxy_health import proxy_check_health
from ..services.proxy_shop import proxy_import_from_shop_order
from . import serializers as s
from .common import CONFLICT, ERRORS, EXHAUSTED, FLEET, NOT_FOUND, paginated


class ProxyListView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        parameters=filterset_parameters(ProxyFilter, PAGE_PARAMETERS),
        responses={200: s.ProxyListSerializer(many=True), **ERRORS},
        tags=["proxies"],
        operation_id="proxies_list",
    )
    def get(self, request):
        """The pool with health and the number of bound accounts (no passwords)."""
        return paginated(
            self, request, proxy_list(filters=request.query_params), s.ProxyListSerializer
        )

    @extend_schema(
        request=s.ProxyCreateSerializer,
        responses={
            201: PolymorphicProxySerializer(
                component_name="ProxyCreateResult",
                serializers=[s.ProxyListSerializer, s.ProxyBulkResultSerializer],
                resource_type_field_name=None,
            ),
            **CONFLICT,
            **ERRORS,
        },
        tags=["proxies"],
        operation_id="proxies_create",
    )
    def post(self, request):
        """Add one proxy, or many as `lines` (`host:port:user:pass`) with per-line errors."""
        data = s.ProxyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        common = {
            "protocol": v["protocol"],
            "country": v["country"],
            "provider": v["provider"],
            "expires_at": v["expires_at"],
            "actor": request.user,
        }
        if "lines" in v:
            result = proxies_import_lines(lines=v["lines"], **common)
            if not result["created"] and result["errors"]:
                raise InvalidArgument(
                    errors=[
                        {
                            "loc": ["body", "lines", e["line"] - 1],
                            "msg": e["error"],
                            "type": "value_error",
                        }
                        for e in result["errors"]
                    ]
                )
            created = proxy_list().filter(pk__in=[p.pk for p in result["created"]])
            body = {
                "created": s.ProxyListSerializer(created, many=True).data,
                "errors": result["errors"],
            }
            return Response(body, status=status.HTTP_201_CREATED)
        proxy = proxy_create(
            host=v["host"], port=v["port"], username=v["username"], password=v["password"], **common
        )
        # The count the list annotates on each proxy (an attribute the model does not declare).
        proxy.bound_accounts = 0  # type: ignore[attr-defined]
        return Response(s.ProxyListSerializer(proxy).data, status=status.HTTP_201_CREATED)


class ProxyAllocateView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.AllocateSerializer,
        responses={200: s.ProxySerializer, **NOT_FOUND, **EXHAUSTED, **ERRORS},
        tags=["proxies"],
        operation_id="proxies_allocate",
    )
    def post(self, request):
        """AllocateProxy: the account's live proxy, or a free one (429 "no free proxy")."""
        data = s.AllocateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        proxy = proxy_allocate(
            account_id=v["account_id"],
            platform=v.get("platform") or "",
            preferred_country=v["preferred_country"],
            preferred_provider=v["preferred_provider"],
            actor=request.user,
        )
        return Response(s.ProxySerializer(proxy).data)


class ProxyReleaseView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.AccountRefSerializer,
        responses={200: s.ReleaseResponseSerializer, **NOT_FOUND, **ERRORS},
        tags=["proxies"],
        operation_id="proxies_release",
    )
    def post(self, request):
        """ReleaseProxy: unbind the account's proxy (success even when it had none)."""
        data = s.AccountRefSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        released = proxy_release(account_id=data.validated_data["account_id"], actor=request.user)
        return Response({"success": True, "released_proxy_id": released})


class ProxyRotateView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.AccountRefSerializer,
        responses={200: s.ProxySerializer, **NOT_FOUND, **EXHAUSTED, **ERRORS},
        tags=["proxies"],
        operation_id="proxies_rotate",
    )
    def post(self, request):
        """ForceRotate: a different proxy for the account; the old one is released."""
        data = s.AccountRefSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proxy = proxy_rotate(account_id=data.validated_data["account_id"], actor=request.user)
        return Response(s.ProxySerializer(proxy).data)


class ProxyCheckHealthView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=None,
        responses={200: s.ProxyHealthSerializer, **NOT_FOUND, **ERRORS},
        tags=["proxies"],
        operation_id="proxies_check_health",
    )
    def post(self, request, proxy_id: int):
        """CheckHealth: TCP connect + SOCKS5 handshake now; latency and failure count."""
        report = proxy_check_health(proxy_id=proxy_id, actor=request.user)
        return Response(s.ProxyHealthSerializer(report).data)


class ProxyFromShopOrderView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.ShopOrderImportSerializer,
        responses={201: s.ProxyListSerializer, **NOT_FOUND, **CONFLICT, **ERRORS},
        tags=["proxies"],
        operation_id="proxies_from_shop_order",
    )
    def post(self, request):
        """Add the proxy bought in a proxy-shop order to the fleet's pool."""
        data = s.ShopOrderImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proxy = proxy_import_from_shop_order(
            order_id=data.validated_data["order_id"], actor=request.user
        )
        # The count the list annotates on each proxy (an attribute the model does not declare).
        proxy.bound_accounts = 0  # type: ignore[attr-defined]
        return Response(s.ProxyListSerializer(proxy).data, status=status.HTTP_201_CREATED)
