"""Turning a task's next day into WarmingAction rows (shared by StartWarming and the tick)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Least

from .models import ActionStatus, Scenario, WarmingAction, WarmingTask
from .scenarios import plan_day

DAY = timedelta(days=1)
# An action's index within its task: day * INDEX_STRIDE + position in the day.
INDEX_STRIDE = 10_000


@dataclass(frozen=True)
class TaskRow:
    id: int
    scenario_id: str
    current_day: int
    total_days: int
    seed: int


def plan_next_days(rows: Iterable[TaskRow], *, now: datetime) -> int:
    """Plan day current_day+1 of every task in `rows`: skip what is left of the day that ends,
    insert the new day's actions (one INSERT), advance the tasks (one UPDATE). Returns the
    number of actions planned. Query count does not depend on the number of tasks."""
    rows = list(rows)
    if not rows:
        return 0
    ids = [row.id for row in rows]
    definitions = dict(
        Scenario.objects.filter(pk__in={row.scenario_id for row in rows}).values_list(
            "id", "definition"
        )
    )
    WarmingAction.objects.filter(task_id__in=ids, status=ActionStatus.PLANNED).update(
        status=ActionStatus.SKIPPED, finished_at=now, error="day ended before it ran"
    )
    day_end = now + DAY
    actions = []
    for row in rows:
        day = row.current_day + 1
        for planned in plan_day(
            definition=definitions[row.scenario_id],
            day=day,
            task_days=row.total_days,
            seed=row.seed,
            task_id=row.id,
            day_start=now,
            day_end=day_end,
        ):
            actions.append(
                WarmingAction(
                    task_id=row.id,
                    day=day,
                    index=day * INDEX_STRIDE + planned.offset,
                    action_type=planned.action_type,
                    scheduled_at=planned.scheduled_at,
                )
            )
    WarmingAction.objects.bulk_create(actions)
    WarmingTask.objects.filter(id__in=ids).update(
        current_day=F("current_day") + 1,
        day_ends_at=day_end,
        # The previous days are done: progress is their share (the runner refines it).
        progress=Least(Value(99), F("current_day") * 100 / F("total_days")),
    )
    return len(actions)


def refresh_next_action_at(task_ids: Iterable[int]) -> None:
    """next_action_at = the earliest planned action of each task (one UPDATE)."""
    task_ids = list(task_ids)
    if not task_ids:
        return
    earliest = (
        WarmingAction.objects.filter(task_id=OuterRef("pk"), status=ActionStatus.PLANNED)
        .order_by("scheduled_at")
        .values("scheduled_at")[:1]
    )
    WarmingTask.objects.filter(id__in=task_ids).update(next_action_at=Subquery(earliest))
