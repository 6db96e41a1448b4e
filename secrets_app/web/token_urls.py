from django.urls import path

from . import tokens

urlpatterns = [
    path("tokens/", tokens.token_page, name="secrets-tokens"),
    path("tokens/<str:accessor>/revoke/", tokens.token_revoke, name="secrets-token-revoke"),
]
