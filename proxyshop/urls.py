"""Storefront pages, included at /shop/."""

from django.urls import path

from . import views

app_name = "proxyshop"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("buy/<int:product_id>/", views.buy, name="buy"),
    path("orders/", views.orders, name="orders"),
    path("orders/<str:order_id>/", views.order_detail, name="order"),
    path("orders/<str:order_id>/refund/", views.refund, name="refund"),
    path("balance/", views.balance, name="balance"),
]
