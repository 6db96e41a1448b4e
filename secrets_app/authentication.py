"""DRF authentication with the platform's opaque tokens (Bearer or X-Vault-Token)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.context import actor_update
from core.middleware import request_client_ip

from .services.tokens import TokenRefused, token_authenticate


def presented_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    vault = request.META.get("HTTP_X_VAULT_TOKEN", "").strip()
    return vault or None


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` (or `X-Vault-Token`). A refused token is a 401 naming the
    reason class, never whether the token ever existed."""

    def authenticate(self, request):
        raw = presented_token(request)
        if raw is None:
            return None
        ip = request_client_ip(request._request)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        try:
            user, context = token_authenticate(
                raw, ip=ip, spend=getattr(view, "spends_token_use", True)
            )
        except TokenRefused as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.reason) from None
        actor_update(user=user, token=context, accessor=context.accessor)
        return user, context

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "secrets_app.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
