"""Turning a task's next day into WarmingAction rows (shared by StartWarming and the tick)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Least

from accounts.warming.definitions import plan_day

from .models import ActionStatus, Scenario, WarmingAction, WarmingTask

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
    rows_out: list[tuple] = []
    first_at: dict[int, datetime | None] = {}
    for row in rows:
        day = row.current_day + 1
        planned = plan_day(
            definition=definitions[row.scenario_id],
            day=day,
            task_days=row.total_days,
            seed=row.seed,
            task_id=row.id,
            day_start=now,
            day_end=day_end,
        )
        first_at[row.id] = planned[0].scheduled_at if planned else None
        rows_out.extend(
            (row.id, day, day * INDEX_STRIDE + p.offset, p.action_type, p.scheduled_at)
            for p in planned
        )
    _insert_actions(rows_out)
    _advance_tasks(first_at, day_end)
    return len(rows_out)


def _insert_actions(rows: list[tuple]) -> None:
    """(task_id, day, index, action_type, scheduled_at) rows, as `planned`. On PostgreSQL one
    COPY: building a 100,000-row INSERT through the ORM costs seconds."""
    if connection.vendor != "postgresql":
        WarmingAction.objects.bulk_create(
            WarmingAction(task_id=t, day=d, index=i, action_type=k, scheduled_at=at)
            for t, d, i, k, at in rows
        )
        return
    table = WarmingAction._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        columns = "task_id, day, index, action_type, scheduled_at, status, error, result"
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for task_id, day, index, kind, at in rows:
                copy.write_row((task_id, day, index, kind, at, ActionStatus.PLANNED, "", "{}"))


def _advance_tasks(first_at: dict[int, datetime | None], day_end: datetime) -> None:
    """Next day, its end, the share of finished days as progress, and next_action_at — which
    differs per task — in one UPDATE on PostgreSQL."""
    common = {
        "current_day": F("current_day") + 1,
        "day_ends_at": day_end,
        # The previous days are done: progress is their share (the runner refines it).
        "progress": Least(Value(99), F("current_day") * 100 / F("total_days")),
    }
    if connection.vendor != "postgresql":
        WarmingTask.objects.filter(id__in=list(first_at)).update(**common)
        for task_id, at in first_at.items():
            WarmingTask.objects.filter(pk=task_id).update(next_action_at=at)
        return
    table = WarmingTask._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} t SET current_day = t.current_day + 1, day_ends_at = %s,
                   progress = LEAST(99, t.current_day * 100 / t.total_days),
                   next_action_at = v.first_at
            FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS first_at) v
            WHERE t.id = v.id
            """,  # noqa: S608 - the table name comes from the model
            [day_end, list(first_at), list(first_at.values())],
        )


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
