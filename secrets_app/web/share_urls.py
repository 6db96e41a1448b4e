from django.urls import path

from . import share

urlpatterns = [
    path("share/<str:token>", share.share_open, name="secret-share"),
]
