"""The contract's bare paths (/users, /get-views/…, /get-bg-tasks): the same views."""

from django.urls import path

from . import views

urlpatterns = [
    path("users", views.UserCreateView.as_view(), name="seed-users"),
    path("users/login", views.LoginView.as_view(), name="seed-login"),
    path("get-views/vk", views.SubmitVKView.as_view(), name="seed-submit-vk"),
    path("get-views/telegram", views.SubmitTelegramView.as_view(), name="seed-submit-tg"),
    path("get-bg-tasks", views.TaskListView.as_view(), name="seed-tasks"),
]
