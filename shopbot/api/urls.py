from django.urls import path

from . import views

urlpatterns = [
    path("telegram/link-code", views.LinkCodeView.as_view(), name="telegram-link-code"),
]
