"""AccountService over REST: create, list, get, credentials, status."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import PAGE_PARAMETERS
from core.filters import filterset_parameters

from ..filters import AccountFilter
from ..selectors import account_get, account_list
from ..services.accounts import (
    account_create,
    account_credentials_reveal,
    account_status_change,
)
from ..services.proxies import proxy_for_account
from . import serializers as s
from .common import CONFLICT, ERRORS, FLEET, NOT_FOUND, paginated

ACCOUNT_FILTERS = filterset_parameters(AccountFilter, PAGE_PARAMETERS)


class AccountListView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        parameters=ACCOUNT_FILTERS,
        responses={200: s.AccountSerializer(many=True), **ERRORS},
        tags=["accounts"],
        operation_id="accounts_list",
    )
    def get(self, request):
        """ListAccounts: filters platform, status, tag, has_proxy, q; paginated."""
        return paginated(
            self, request, account_list(filters=request.query_params), s.AccountSerializer
        )

    @extend_schema(
        request=s.AccountCreateSerializer,
        responses={201: s.AccountSerializer, **CONFLICT, **ERRORS},
        tags=["accounts"],
        operation_id="accounts_create",
    )
    def post(self, request):
        """Create an account; its credentials are encrypted at rest."""
        data = s.AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        account = account_create(
            platform=v["platform"],
            login=v["login"],
            password=v["password"],
            phone=v.get("phone", ""),
            additional_data=v.get("additional"),
            tags=v.get("tags"),
            status=v.get("status", "creating"),
            actor=request.user,
        )
        return Response(s.AccountSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        responses={200: s.AccountSerializer, **NOT_FOUND, **ERRORS},
        tags=["accounts"],
        operation_id="accounts_get",
    )
    def get(self, request, account_id: int):
        """GetAccount."""
        return Response(s.AccountSerializer(account_get(account_id=account_id)).data)


class AccountCredentialsView(APIView):
    # Any signed-in caller may ask; the service decides (and audits refusals too).
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: s.CredentialsSerializer, **NOT_FOUND, **ERRORS},
        tags=["accounts"],
        operation_id="accounts_credentials",
    )
    def get(self, request, account_id: int):
        """GetCredentials: decrypted; needs accounts.view_credentials (or admin); audited."""
        creds = account_credentials_reveal(account_id=account_id, actor=request.user)
        response = Response(s.CredentialsSerializer(creds).data)
        response["Cache-Control"] = "no-store"
        return response


class AccountStatusView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.StatusChangeSerializer,
        responses={200: s.StatusChangeResponseSerializer, **NOT_FOUND, **CONFLICT, **ERRORS},
        tags=["accounts"],
        operation_id="accounts_update_status",
    )
    def post(self, request, account_id: int):
        """UpdateStatus: 409 when the state machine forbids the transition."""
        data = s.StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        previous = account_status_change(
            account_id=account_id,
            new_status=data.validated_data["status"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response({"success": True, "previous_status": previous})


class AccountProxyView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        responses={200: s.ProxySerializer, **NOT_FOUND, **ERRORS},
        tags=["proxies"],
        operation_id="accounts_proxy",
    )
    def get(self, request, account_id: int):
        """GetProxyForAccount (404 when the account has none)."""
        return Response(s.ProxySerializer(proxy_for_account(account_id=account_id)).data)
