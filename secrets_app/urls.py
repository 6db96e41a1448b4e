from django.urls import include, path

urlpatterns = [
    path("", include("secrets_app.web.token_urls")),
    path("", include("secrets_app.web.share_urls")),
]
