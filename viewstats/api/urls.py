from django.urls import path

from . import views

urlpatterns = [
    path("users", views.UserCreateView.as_view(), name="viewstats-users"),
    path("users/login", views.LoginView.as_view(), name="viewstats-login"),
    path("get-views/vk", views.SubmitVKView.as_view(), name="viewstats-submit-vk"),
    path("get-views/telegram", views.SubmitTelegramView.as_view(), name="viewstats-submit-tg"),
    path("get-bg-tasks", views.TaskListView.as_view(), name="viewstats-tasks"),
    path("tasks/<int:task_id>", views.TaskDetailView.as_view(), name="viewstats-task"),
    path("tasks/<int:task_id>/history", views.TaskHistoryView.as_view(), name="viewstats-history"),
    path("tasks/<int:task_id>/retry", views.TaskRetryView.as_view(), name="viewstats-retry"),
    path("export.csv", views.ExportCSVView.as_view(), name="viewstats-export"),
]
