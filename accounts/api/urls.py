"""Fleet REST routes (the README's domain table); included at /api/v1/."""

from django.urls import path

from . import accounts, proxies, sms, vk

urlpatterns = [
    path("accounts", accounts.AccountListView.as_view(), name="accounts-list"),
    path("accounts/<int:account_id>", accounts.AccountDetailView.as_view(), name="accounts-detail"),
    path(
        "accounts/<int:account_id>/credentials",
        accounts.AccountCredentialsView.as_view(),
        name="accounts-credentials",
    ),
    path(
        "accounts/<int:account_id>/status",
        accounts.AccountStatusView.as_view(),
        name="accounts-status",
    ),
    path(
        "accounts/<int:account_id>/proxy",
        accounts.AccountProxyView.as_view(),
        name="accounts-proxy",
    ),
    path("proxies", proxies.ProxyListView.as_view(), name="proxies-list"),
    path("proxies/allocate", proxies.ProxyAllocateView.as_view(), name="proxies-allocate"),
    path("proxies/release", proxies.ProxyReleaseView.as_view(), name="proxies-release"),
    path(
        "proxies/from-shop-order",
        proxies.ProxyFromShopOrderView.as_view(),
        name="proxies-from-shop-order",
    ),
    path("proxies/rotate", proxies.ProxyRotateView.as_view(), name="proxies-rotate"),
    path(
        "proxies/<int:proxy_id>/check-health",
        proxies.ProxyCheckHealthView.as_view(),
        name="proxies-check-health",
    ),
    path("sms/activations", sms.SmsActivationCreateView.as_view(), name="sms-activations"),
    path("sms/activations/<uuid:activation_id>/code", sms.SmsCodeView.as_view(), name="sms-code"),
    path(
        "sms/activations/<uuid:activation_id>/cancel",
        sms.SmsCancelView.as_view(),
        name="sms-cancel",
    ),
    path("sms/balance", sms.SmsBalanceView.as_view(), name="sms-balance"),
    path("vk/register", vk.VkRegisterView.as_view(), name="vk-register"),
    path("vk/actions", vk.VkActionView.as_view(), name="vk-actions"),
    path(
        "vk/accounts/<int:account_id>/check-status",
        vk.VkAccountStatusView.as_view(),
        name="vk-check-status",
    ),
]
