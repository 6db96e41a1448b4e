from django.urls import path

from . import identity

urlpatterns = [
    path("token/create", identity.TokenCreateView.as_view(), name="token-create"),
    path("token/renew", identity.TokenRenewView.as_view(), name="token-renew"),
    path("token/revoke", identity.TokenRevokeView.as_view(), name="token-revoke"),
    path("token/lookup-self", identity.TokenLookupSelfView.as_view(), name="token-lookup-self"),
    path("token/accessors", identity.TokenAccessorListView.as_view(), name="token-accessors"),
    path(
        "token/revoke-accessor",
        identity.TokenRevokeAccessorView.as_view(),
        name="token-revoke-accessor",
    ),
    path("sys/ping", identity.PingView.as_view(), name="sys-ping"),
    path("users/create", identity.UserCreateView.as_view(), name="user-create"),
    # the contract's URL line: the username in the body (docs/contracts.md)
    path("users/delete", identity.UserDeleteByNameView.as_view(), name="user-delete-body"),
    path("users/<str:username>/delete", identity.UserDeleteView.as_view(), name="user-delete"),
]
