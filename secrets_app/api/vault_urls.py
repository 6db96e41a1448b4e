"""The Vault-compatible subset under /v1/ (see secrets_app.api.vault)."""

from django.urls import path, re_path

from . import vault_tokens as tokens

urlpatterns = [
    path("auth/token/create", tokens.TokenCreateView.as_view(), name="vault-token-create"),
    path(
        "auth/token/lookup-self",
        tokens.TokenLookupSelfView.as_view(),
        name="vault-token-lookup-self",
    ),
    path(
        "auth/token/renew-self", tokens.TokenRenewSelfView.as_view(), name="vault-token-renew-self"
    ),
    path(
        "auth/token/revoke-self",
        tokens.TokenRevokeSelfView.as_view(),
        name="vault-token-revoke-self",
    ),
    re_path(r"^.*$", tokens.NoRouteView.as_view(), name="vault-no-route"),
]
