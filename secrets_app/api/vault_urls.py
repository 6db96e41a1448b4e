"""The Vault-compatible subset under /v1/ (see secrets_app.api.vault)."""

from django.urls import path, re_path

from . import vault_kv as kv
from . import vault_sys as sys
from . import vault_tokens as tokens
from . import vault_wrapping as wrapping

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
    path("sys/health", sys.HealthView.as_view(), name="vault-sys-health"),
    path("sys/seal-status", sys.SealStatusView.as_view(), name="vault-sys-seal-status"),
    path(
        "sys/internal/ui/mounts/<path:path>",
        sys.MountInfoView.as_view(),
        name="vault-sys-mount-info",
    ),
    path("sys/wrapping/wrap", wrapping.WrapView.as_view(), name="vault-sys-wrap"),
    path("sys/wrapping/unwrap", wrapping.UnwrapView.as_view(), name="vault-sys-unwrap"),
    path("secret/config", kv.ConfigView.as_view(), name="vault-kv-config"),
    path("secret/data/<path:path>", kv.DataView.as_view(), name="vault-kv-data"),
    path("secret/metadata/<path:path>", kv.MetadataView.as_view(), name="vault-kv-metadata"),
    re_path(r"^secret/metadata/?$", kv.MetadataRootView.as_view(), name="vault-kv-metadata-root"),
    path("secret/delete/<path:path>", kv.DeleteView.as_view(), name="vault-kv-delete"),
    path("secret/undelete/<path:path>", kv.UndeleteView.as_view(), name="vault-kv-undelete"),
    path("secret/destroy/<path:path>", kv.DestroyView.as_view(), name="vault-kv-destroy"),
    re_path(r"^secret/.*$", kv.UnknownKVPathView.as_view(), name="vault-kv-unknown"),
    re_path(r"^.*$", tokens.NoRouteView.as_view(), name="vault-no-route"),
]
