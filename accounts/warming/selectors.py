"""Reads of the warming domain: task lists, one task, statistics, the dashboard summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from core.errors import NotFound
from core.filters import filter_queryset

from .filters import WarmingTaskFilter
from .models import ActionStatus, Scenario, WarmingAction, WarmingStatus, WarmingTask

FINISHED = [ActionStatus.SUCCEEDED, ActionStatus.FAILED, ActionStatus.UNKNOWN]


def task_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[WarmingTask]:
    """Warming tasks matching `filters` (WarmingTaskFilter), newest first."""
    tasks = WarmingTask.objects.select_related("account").order_by("-created_at", "-id")
    return filter_queryset(WarmingTaskFilter, filters, tasks)


def task_get(*, task_id: int) -> WarmingTask:
    task = WarmingTask.objects.select_related("account").filter(pk=task_id).first()
    if task is None:
        raise NotFound("Warming task not found.")
    return task


def scenario_list() -> QuerySet[Scenario]:
    return Scenario.objects.order_by("id")


def _rate(ok: int, bad: int) -> float:
    return round(ok / (ok + bad), 4) if ok + bad else 0.0


def _task_groups(field: str) -> list[dict[str, Any]]:
    rows = (
        WarmingTask.objects.values(field)
        .order_by(field)
        .annotate(
            tasks=Count("id"),
            running=Count("id", filter=Q(status=WarmingStatus.RUNNING)),
            completed=Count("id", filter=Q(status=WarmingStatus.COMPLETED)),
            failed=Count("id", filter=Q(status=WarmingStatus.FAILED)),
            actions_completed=Sum("actions_completed"),
            actions_failed=Sum("actions_failed"),
        )
    )
    out = []
    for row in rows:
        ok, bad = row["actions_completed"] or 0, row["actions_failed"] or 0
        out.append(
            {
                "key": row[field],
                "tasks": row["tasks"],
                "running": row["running"],
                "completed": row["completed"],
                "failed": row["failed"],
                "actions_completed": ok,
                "actions_failed": bad,
                "success_rate": _rate(ok, bad),
            }
        )
    return out


def warming_statistics() -> dict[str, Any]:
    """GetStatistics: tasks by status, finished actions by type with their success rate, and
    the same totals per platform and per scenario."""
    by_status = dict.fromkeys(WarmingStatus.values, 0)
    for row in WarmingTask.objects.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    by_type = []
    for action_row in (
        WarmingAction.objects.filter(status__in=FINISHED)
        .values("action_type")
        .annotate(
            succeeded=Count("id", filter=Q(status=ActionStatus.SUCCEEDED)),
            failed=Count("id", filter=~Q(status=ActionStatus.SUCCEEDED)),
        )
        .order_by("action_type")
    ):
        by_type.append(
            {
                "action_type": action_row["action_type"],
                "total": action_row["succeeded"] + action_row["failed"],
                "succeeded": action_row["succeeded"],
                "failed": action_row["failed"],
                "success_rate": _rate(action_row["succeeded"], action_row["failed"]),
            }
        )
    return {
        "total_tasks": sum(by_status.values()),
        "tasks_by_status": by_status,
        "actions_by_type": by_type,
        "by_platform": [{"platform": g.pop("key"), **g} for g in _task_groups("account__platform")],
        "by_scenario": [{"scenario_id": g.pop("key"), **g} for g in _task_groups("scenario_id")],
    }


def warming_dashboard() -> dict[str, Any]:
    """For the admin dashboard: counts by status and the running tasks' progress."""
    running = list(
        WarmingTask.objects.filter(status=WarmingStatus.RUNNING)
        .select_related("account")
        .order_by("-progress")[:20]
    )
    stats = warming_statistics()
    return {"stats": stats, "running": running}
