"""Routes under /api/external-proxy/ (the contract's paths, no trailing slash)."""

from django.urls import path

from . import views

urlpatterns = [
    path("list", views.CatalogView.as_view(), name="proxyshop-list"),
    path("countries", views.CountriesView.as_view(), name="proxyshop-countries"),
    path("purchase", views.PurchaseView.as_view(), name="proxyshop-purchase"),
    path("purchase/batch", views.BatchPurchaseView.as_view(), name="proxyshop-purchase-batch"),
    path("refund", views.RefundView.as_view(), name="proxyshop-refund"),
    path("orders", views.OrderListView.as_view(), name="proxyshop-orders"),
    path("orders/export", views.OrderExportView.as_view(), name="proxyshop-orders-export"),
    path("orders/<str:order_id>", views.OrderDetailView.as_view(), name="proxyshop-order"),
    path("balance", views.BalanceView.as_view(), name="proxyshop-balance"),
    path("balance/topup", views.TopupView.as_view(), name="proxyshop-topup"),
    path("sync", views.SyncView.as_view(), name="proxyshop-sync"),
    path("cleanup", views.CleanupView.as_view(), name="proxyshop-cleanup"),
    path("stats", views.StatsView.as_view(), name="proxyshop-stats"),
    path(
        "scheduler-status", views.SchedulerStatusView.as_view(), name="proxyshop-scheduler-status"
    ),
]
