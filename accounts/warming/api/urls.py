from django.urls import path

from . import views

urlpatterns = [
    path("warming/tasks", views.WarmingTaskListView.as_view(), name="warming-tasks"),
    path("warming/tasks/<int:task_id>", views.WarmingTaskDetailView.as_view(), name="warming-task"),
    path(
        "warming/tasks/<int:task_id>/pause", views.WarmingPauseView.as_view(), name="warming-pause"
    ),
    path(
        "warming/tasks/<int:task_id>/resume",
        views.WarmingResumeView.as_view(),
        name="warming-resume",
    ),
    path("warming/tasks/<int:task_id>/stop", views.WarmingStopView.as_view(), name="warming-stop"),
    path("warming/statistics", views.WarmingStatisticsView.as_view(), name="warming-statistics"),
    path("warming/scenarios", views.ScenarioListView.as_view(), name="warming-scenarios"),
    path("warming/events", views.WarmingEventsView.as_view(), name="warming-events"),
]
