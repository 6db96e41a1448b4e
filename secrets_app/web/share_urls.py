from django.urls import path

from . import share

urlpatterns = [
    path("share/", share.share_open, name="secret-share"),
    path("share/check", share.share_check, name="secret-share-check"),
    # the old link form, whose token reached access logs: never reveals (see share_legacy)
    path("share/<str:token>", share.share_legacy, name="secret-share-legacy"),
]
