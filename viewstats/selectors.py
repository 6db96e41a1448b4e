"""Reads: which tasks a user may see, one task, its history, counts per status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db.models import Count, QuerySet

from core.authority import actor_allows
from core.errors import NotFound
from core.filters import filter_queryset

from .filters import ViewTaskFilter
from .models import Status, ViewReading, ViewTask


def task_list(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[ViewTask]:
    """The caller's tasks (everyone's for a caller holding `views.any`: an admin whose token
    carries it), newest first, narrowed by `filters` (ViewTaskFilter: status, platform)."""
    if actor_allows("views.any", user=user):
        qs = ViewTask.objects.all()
    else:
        qs = ViewTask.objects.filter(user=user)
    return filter_queryset(ViewTaskFilter, filters, qs.order_by("-created_at", "-id"))


def task_get(*, user: Any, task_id: int) -> ViewTask:
    """One visible task; NotFound for a task of someone else (its existence is not revealed)."""
    task = task_list(user=user).filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.")
    return task


def task_history(*, task: ViewTask, limit: int = 1000) -> list[dict[str, Any]]:
    """The task's readings, oldest first, each with its change since the previous reading."""
    # Plain dicts from values(), which gain a "change" key below.
    rows = cast(
        list[dict[str, Any]],
        list(
            ViewReading.objects.filter(task=task)
            .order_by("-collected_at", "-id")
            .values("views", "collected_at")[:limit]
        ),
    )
    rows.reverse()
    previous = None
    for row in rows:
        row["change"] = None if previous is None else row["views"] - previous
        previous = row["views"]
    return rows


def status_counts(*, user: Any = None) -> dict[str, int]:
    """Tasks per status (every status present, zero when none)."""
    qs = ViewTask.objects.all() if user is None else task_list(user=user)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in Status.values}
