"""The webhook (at /telegram/) and the "Connect Telegram" page (under /shop/telegram/)."""

from django.urls import path

from . import views

app_name = "shopbot"

webhook_urlpatterns = [path("webhook", views.webhook, name="webhook")]

urlpatterns = [
    path("", views.connect, name="connect"),
    path("code/", views.connect_code, name="connect-code"),
    path("unlink/", views.connect_unlink, name="connect-unlink"),
]
