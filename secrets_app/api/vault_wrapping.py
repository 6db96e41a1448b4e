"""Vault's response wrapping for ad-hoc values: /v1/sys/wrapping/wrap and /unwrap.

On the single-use sharing service (secrets_app.services.wrapping): a value wrapped here can be
opened once, here or on the sharing page. Vault's vocabulary: the TTL comes in the
`X-Vault-Wrap-TTL` header, and a used, expired or unknown wrapping token is a 400.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny

from core.errors import NotFound

from ..services.wrapping import wrap_create, wrap_lookup, wrap_unwrap
from . import vault_serializers as s
from .kv_serializers import WRAP_TTL_DESCRIPTION, WRAP_TTL_TEXT_SCHEMA
from .vault import VaultAPIView, VaultError, envelope, rfc3339

WRAP_TAGS = ["vault: wrapping"]
INVALID = "wrapping token is not valid or does not exist"


class WrapView(VaultAPIView):
    """POST /v1/sys/wrapping/wrap: the JSON body becomes a single-use wrapping token."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "X-Vault-Wrap-TTL",
                WRAP_TTL_TEXT_SCHEMA,
                OpenApiParameter.HEADER,
                required=True,
                description=WRAP_TTL_DESCRIPTION,
            )
        ],
        request=s.VaultAnyObjectSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=WRAP_TAGS,
        operation_id="vault_sys_wrap",
    )
    def post(self, request):
        ttl = request.headers.get("X-Vault-Wrap-TTL", "").strip()
        if not ttl:
            raise VaultError(400, ["endpoint requires response wrapping to be used"])
        raw, expires_at = wrap_create(
            value=self.body(), ttl=ttl, user=request.user, context=request.auth
        )
        wrap = wrap_lookup(raw_token=raw)
        body = envelope()
        body["wrap_info"] = {
            "token": raw,
            "accessor": wrap.accessor if wrap else "",
            "ttl": max(int((expires_at - timezone.now()).total_seconds() + 0.5), 0),
            "creation_time": rfc3339(wrap.created_at if wrap else timezone.now()),
            "creation_path": "sys/wrapping/wrap",
        }
        return self.ok_body(body)


class UnwrapView(VaultAPIView):
    """POST /v1/sys/wrapping/unwrap: the wrapped value, once. The wrapping token comes in the
    body (`token`) or as the request's own token (X-Vault-Token)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.VaultUnwrapSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=WRAP_TAGS,
        operation_id="vault_sys_unwrap",
    )
    def post(self, request):
        raw = self.body().get("token") or self.raw_token()
        if not isinstance(raw, str) or not raw:
            raise VaultError(400, [INVALID])
        try:
            value = wrap_unwrap(raw_token=raw)
        except NotFound:
            raise VaultError(400, [INVALID]) from None
        return self.ok(data=value if isinstance(value, dict) else {"value": value})
