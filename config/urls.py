"""Every route of the platform. Each app owns its `api/urls.py` (REST) and `urls.py` (pages)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.docs import OfflineRedocView
from core.metrics import metrics_view
from secrets_app.views import home
from shopbot.urls import webhook_urlpatterns

admin.site.site_header = "Platform administration"
admin.site.site_title = "Platform administration"
admin.site.index_title = "Operators' screens"

handler400 = "core.api.views.bad_request"
handler403 = "core.api.views.permission_denied"
handler404 = "core.api.views.not_found"
handler500 = "core.api.views.error"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("auth/", include("allauth.urls")),
    # REST API
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", OfflineRedocView.as_view(url_name="schema"), name="api-redoc"),
    # the view-statistics contract sends readers to /docs (docs/contracts.md)
    path("docs", RedirectView.as_view(pattern_name="api-docs"), name="docs"),
    path("redoc", RedirectView.as_view(pattern_name="api-redoc"), name="redoc"),
    path("api/v1/", include("core.api.urls")),
    path("api/v1/", include("secrets_app.api.urls")),
    path("api/v1/", include("secrets_app.api.kv_urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("accounts.warming.api.urls")),
    path("api/v1/", include("shopbot.api.urls")),
    path("api/external-proxy/", include("proxyshop.api.urls")),
    path("api/viewstats/", include("viewstats.api.urls")),
    # Vault-compatible subset
    path("v1/", include("secrets_app.api.vault_urls")),
    # pages
    path("secrets/", include("secrets_app.urls")),
    path("fleet/", include("accounts.urls")),
    path("shop/telegram/", include("shopbot.urls")),
    path("shop/", include("proxyshop.urls")),
    # the shop bot's webhook (Telegram POSTs updates here)
    path("telegram/", include(webhook_urlpatterns)),
    path("stats/", include("viewstats.urls")),
    # the view-statistics contract's bare paths (/users, /users/login, /get-views/…, /get-bg-tasks)
    path("", include("viewstats.api.bare_urls")),
]
