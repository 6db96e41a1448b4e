from django.urls import path

from . import views

app_name = "viewstats"

urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/retry/", views.task_retry, name="retry"),
]
