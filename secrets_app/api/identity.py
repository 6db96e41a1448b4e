"""The contract's identity routes: tokens and users."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import Requires
from core.errors import InvalidArgument, NotFound

from ..models import Token
from ..services.clients import client_authenticate
from ..services.tokens import (
    TokenContext,
    token_issue,
    token_lookup,
    token_renew_with_refresh,
    token_revoke_accessor,
    token_revoke_raw,
)
from ..services.users import password_login, user_create, user_delete
from . import serializers as s

ERRORS = {
    401: OpenApiResponse(description="Not authenticated or token refused"),
    403: OpenApiResponse(description="Not allowed"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}


class TokenCreateView(APIView):
    """Issue a token: `grant_type=password` with username and password (form or JSON), or, for
    an authenticated caller, a child token of the calling token."""

    form_contract = True  # the contract: form or JSON (OAuth2 token endpoint)

    permission_classes = [AllowAny]

    @extend_schema(
        request=s.TokenCreateSerializer,
        responses={
            200: s.TokenResponseSerializer,
            429: OpenApiResponse(description="Locked out"),
            **ERRORS,
        },
        tags=["tokens"],
    )
    def post(self, request):
        data = s.TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        client = None
        if v.get("client_id"):
            client = client_authenticate(
                client_id=v["client_id"], client_secret=v.get("client_secret", "")
            )
        policies = v.get("policies") or (v.get("scope") or "").split() or None
        num_uses = 1 if v.get("one_time") else v.get("num_uses", 0)
        common = {
            "policies": policies,
            "ttl": v.get("ttl"),
            "explicit_max_ttl": v.get("explicit_max_ttl"),
            "num_uses": num_uses,
            "bound_cidrs": v.get("bound_cidrs"),
            "renewable": v.get("renewable", True),
            "client": client,
            "display_name": v.get("display_name", ""),
            "scope": v.get("scope", ""),
        }
        if v.get("grant_type") == "password":
            user = password_login(username=v["username"], password=v["password"])
            issued = token_issue(user=user, with_refresh=True, **common)
        elif request.user and request.user.is_authenticated:
            parent = None
            if isinstance(request.auth, TokenContext):
                parent = Token.objects.get(pk=request.auth.token_id)
            issued = token_issue(user=request.user, parent=parent, **common)
        else:
            raise InvalidArgument(
                "grant_type=password is required (or authenticate to create a child token).",
                field="grant_type",
                code="missing",
            )
        return Response(issued.as_oauth(), status=status.HTTP_200_OK)


class TokenRenewView(APIView):
    """Exchange a refresh token for a new access token and refresh token (rotation)."""

    form_contract = True  # the contract: form or JSON (OAuth2 token endpoint)

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.TokenRenewSerializer,
        responses={200: s.TokenResponseSerializer, **ERRORS},
        tags=["tokens"],
    )
    def post(self, request):
        data = s.TokenRenewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = token_renew_with_refresh(refresh_raw=data.validated_data["refresh_token"])
        return Response(issued.as_oauth())


class TokenRevokeView(APIView):
    """Revoke an access or refresh token. Idempotent; the answer never tells whether the token
    existed."""

    form_contract = True  # the contract: form or JSON (OAuth2 token endpoint)

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.TokenRevokeSerializer,
        responses={200: s.RevokedSerializer, **ERRORS},
        tags=["tokens"],
    )
    def post(self, request):
        data = s.TokenRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token_revoke_raw(raw=data.validated_data["revoke_token"])
        return Response({"revoked": True})


class TokenLookupSelfView(APIView):
    """Describe the calling token without spending a use."""

    permission_classes = [IsAuthenticated]
    spends_token_use = False  # read by BearerTokenAuthentication

    @extend_schema(responses={200: s.TokenLookupSerializer, **ERRORS}, tags=["tokens"])
    def get(self, request):
        if not isinstance(request.auth, TokenContext):
            raise InvalidArgument(
                "lookup-self needs a token (Authorization: Bearer).",
                location="header",
                field="Authorization",
            )
        return Response(s.TokenLookupSerializer(token_lookup(request.auth)).data)


class TokenAccessorListView(generics.ListAPIView):
    """Admins: every token by accessor (the token itself is never shown)."""

    permission_classes = [Requires("tokens.read")]
    serializer_class = s.TokenAdminSerializer

    def get_queryset(self):
        qs = Token.objects.select_related("user").order_by("-created_at")
        username = self.request.query_params.get("username")
        if username:
            qs = qs.filter(user__username=username)
        if self.request.query_params.get("live") in ("1", "true"):
            qs = qs.filter(revoked_at__isnull=True)
        return qs


class TokenRevokeAccessorView(APIView):
    """Admins: revoke a token (and its children) by accessor."""

    permission_classes = [Requires("tokens.write")]

    @extend_schema(
        request=s.AccessorSerializer,
        responses={200: s.RevokedSerializer, **ERRORS},
        tags=["tokens"],
    )
    def post(self, request):
        data = s.AccessorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        accessor = data.validated_data["accessor"]
        if not Token.objects.filter(accessor=accessor).exists():
            raise NotFound("No token with that accessor.")
        token_revoke_accessor(accessor=accessor, actor=request.user)
        return Response({"revoked": True})


class UserCreateView(APIView):
    """Admins: create a user."""

    permission_classes = [Requires("users.write")]

    @extend_schema(
        request=s.PlatformUserCreateSerializer,
        responses={200: s.PlatformUserSerializer, **ERRORS},
        tags=["users"],
    )
    def post(self, request):
        data = s.PlatformUserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_create(**data.validated_data, actor=request.user)
        return Response(s.PlatformUserSerializer(user).data)


class UserDeleteView(APIView):
    """Admins: delete a user; their tokens die with them."""

    permission_classes = [Requires("users.write")]

    @extend_schema(
        request=None,
        responses={200: s.DeletedSerializer, 404: OpenApiResponse(), **ERRORS},
        tags=["users"],
    )
    def post(self, request, username: str):
        user_delete(username=username, actor=request.user)
        return Response({"deleted": True, "username": username})


class UserDeleteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class UserDeleteByNameView(APIView):
    """Admins: delete the user named in the body (`{"username": ...}`), as
    `/users/{username}/delete` does."""

    permission_classes = [Requires("users.write")]

    @extend_schema(
        request=UserDeleteSerializer,
        responses={200: s.DeletedSerializer, 404: OpenApiResponse(), **ERRORS},
        tags=["users"],
        operation_id="users_delete_by_body",
    )
    def post(self, request):
        data = UserDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        user_delete(username=username, actor=request.user)
        return Response({"deleted": True, "username": username})


class PingSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    authenticated = serializers.BooleanField()


class PingView(APIView):
    """A trivial endpoint (load balancers, benchmarks): says whether the caller authenticated."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: PingSerializer}, tags=["sys"])
    def get(self, request):
        return Response({"ok": True, "authenticated": bool(request.user.is_authenticated)})
