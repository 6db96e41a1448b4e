"""Routes of the secrets store and of the system settings (included under /api/v1/).

A secret is addressed by its stable id or its path (slashes allowed); the KV sub-routes
(`/metadata`, `/delete`, `/undelete`, `/destroy`, `/share`) come before the catch-all.
"""

from django.urls import path

from . import kv, sys

urlpatterns = [
    path("secrets/create", kv.SecretCreateView.as_view(), name="secret-create"),
    path("secrets/children", kv.SecretChildrenView.as_view(), name="secret-children"),
    path("secrets/wrap", kv.WrapView.as_view(), name="secret-wrap"),
    path("secrets/unwrap", kv.UnwrapView.as_view(), name="secret-unwrap"),
    path("secrets", kv.SecretListView.as_view(), name="secret-list"),
    path(
        "secrets/<path:secret_id>/metadata", kv.SecretMetadataView.as_view(), name="secret-metadata"
    ),
    path(
        "secrets/<path:secret_id>/delete",
        kv.SecretDeleteVersionsView.as_view(),
        name="secret-delete-versions",
    ),
    path(
        "secrets/<path:secret_id>/undelete",
        kv.SecretUndeleteVersionsView.as_view(),
        name="secret-undelete-versions",
    ),
    path(
        "secrets/<path:secret_id>/destroy",
        kv.SecretDestroyVersionsView.as_view(),
        name="secret-destroy-versions",
    ),
    path(
        "secrets/<path:secret_id>/share", kv.SecretShareView.as_view(), name="secret-share-create"
    ),
    path("secrets/<path:secret_id>", kv.SecretDetailView.as_view(), name="secret-detail"),
    path("sys/settings", sys.SettingListView.as_view(), name="sys-settings"),
    # the contract's URL line for the same list (docs/contracts.md)
    path("settings", sys.SettingListView.as_view(), name="settings"),
    path("sys/setting", sys.SettingWriteView.as_view(), name="sys-setting-write"),
    path("sys/setting/<str:setting_key>", sys.SettingDetailView.as_view(), name="sys-setting"),
    path("sys/security", sys.SecurityView.as_view(), name="sys-security"),
    path("sys/policies", sys.PolicyListView.as_view(), name="sys-policies"),
    path("sys/policies/<str:name>", sys.PolicyDetailView.as_view(), name="sys-policy"),
]
