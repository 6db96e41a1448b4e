"""The scheduler tick (Celery beat, every minute; a Redis lock keeps ticks from overlapping).

One tick, in one transaction, with a number of queries that does not depend on how many
tasks there are:
  1. reap: actions `running` past their lease become `unknown` (never re-run, see runner.py);
  2. requeue: actions `queued` that no worker claimed within the queue lease go back to
     `planned` (safe: a worker only runs an action it moves queued -> running itself);
  3. plan: running tasks whose day has ended get their next day planned (bounded batch),
     tasks whose last day has ended are handed to `settle`;
  4. claim: due planned actions of running tasks, at most one in flight per task, move to
     `queued` in one UPDATE;
  (next_action_at is set by planning, and by the runner once an action finishes.)
After commit, the queued ids go to the workers in batches of warming.dispatch_batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.utils import timezone

from core.registry import setting_get, settings_get_many

from .events import events_publish_many
from .models import ActionStatus, WarmingAction, WarmingStatus, WarmingTask
from .planning import TaskRow, plan_next_days

SETTING_KEYS = [
    "warming.action_lease_seconds",
    "warming.queue_lease_seconds",
    "warming.plan_batch",
    "warming.enqueue_limit",
    "warming.dispatch_batch",
    "warming.failure_threshold",
]


@dataclass
class TickResult:
    reaped: int = 0
    requeued: int = 0
    planned_tasks: int = 0
    planned_actions: int = 0
    queued: int = 0
    settle: list[int] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "reaped": self.reaped,
            "requeued": self.requeued,
            "planned_tasks": self.planned_tasks,
            "planned_actions": self.planned_actions,
            "queued": self.queued,
            "settle": len(self.settle),
        }


Dispatch = Callable[[list[int], list[int], int], None]


def celery_dispatch(action_ids: list[int], settle_ids: list[int], batch: int) -> None:
    """Hand ids to the workers. Publishing costs ~5 ms a message, so a large tick sends one
    fan-out message and a worker publishes the batches: the tick's cost stays flat."""
    from .tasks import warming_fan_out, warming_run_actions, warming_settle_tasks

    if len(action_ids) > setting_get("warming.fan_out_above"):
        warming_fan_out.delay(action_ids, batch)
    else:
        for start in range(0, len(action_ids), batch):
            warming_run_actions.delay(action_ids[start : start + batch])
    for start in range(0, len(settle_ids), batch):
        warming_settle_tasks.delay(settle_ids[start : start + batch])


def warming_tick(*, now: datetime | None = None, dispatch: Dispatch | None = None) -> TickResult:
    """Run one scheduler pass (callers hold the tick lock). See the module docstring."""
    now = now or timezone.now()
    conf = settings_get_many(SETTING_KEYS)
    result = TickResult()
    reaped_events: list[tuple[int, str, dict]] = []
    with transaction.atomic():
        reaped = _reap(now - timedelta(seconds=conf["warming.action_lease_seconds"]), now)
        result.reaped = len(reaped)
        reaped_events = [
            (
                task_id,
                "action_failed",
                {
                    "action_id": action_id,
                    "action_type": kind,
                    "status": "unknown",
                    "error": "worker lost; outcome unknown",
                },
            )
            for action_id, task_id, kind in reaped
        ]
        result.requeued = WarmingAction.objects.filter(
            status=ActionStatus.QUEUED,
            queued_at__lt=now - timedelta(seconds=conf["warming.queue_lease_seconds"]),
        ).update(status=ActionStatus.PLANNED, queued_at=None)
        rows = list(
            WarmingTask.objects.filter(status=WarmingStatus.RUNNING, day_ends_at__lte=now)
            .order_by("day_ends_at")
            .values_list("id", "scenario_id", "current_day", "total_days", "seed")[
                : conf["warming.plan_batch"]
            ]
        )
        advance = [TaskRow(*row) for row in rows if row[2] < row[3]]
        finished = [row[0] for row in rows if row[2] >= row[3]]
        if finished:
            # The last day is over: what it did not get to is skipped, not run late.
            WarmingAction.objects.filter(task_id__in=finished, status=ActionStatus.PLANNED).update(
                status=ActionStatus.SKIPPED, finished_at=now, error="day ended before it ran"
            )
        result.settle = sorted(set(finished) | {task_id for _a, task_id, _k in reaped})
        result.planned_tasks = len(advance)
        result.planned_actions = plan_next_days(advance, now=now)
        queued = _claim_due(now, conf["warming.enqueue_limit"])
        result.queued = len(queued)
        result.action_ids = [action_id for action_id, _task in queued]
    events_publish_many(reaped_events)
    (dispatch or celery_dispatch)(result.action_ids, result.settle, conf["warming.dispatch_batch"])
    return result


def _reap(before: datetime, now: datetime) -> list[tuple[int, int, str]]:
    stale = WarmingAction.objects.filter(status=ActionStatus.RUNNING, claimed_at__lt=before)
    if connection.vendor == "postgresql":
        table = WarmingAction._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = %s, finished_at = %s, error = %s "  # noqa: S608
                f"WHERE status = %s AND claimed_at < %s RETURNING id, task_id, action_type",
                [
                    ActionStatus.UNKNOWN,
                    now,
                    "worker lost during the call; outcome unknown, not retried",
                    ActionStatus.RUNNING,
                    before,
                ],
            )
            reaped = [tuple(row) for row in cursor.fetchall()]
    else:
        reaped = list(stale.values_list("id", "task_id", "action_type"))
        WarmingAction.objects.filter(id__in=[r[0] for r in reaped]).update(
            status=ActionStatus.UNKNOWN,
            finished_at=now,
            error="worker lost during the call; outcome unknown, not retried",
        )
    if reaped:
        counts = (
            WarmingAction.objects.filter(
                task_id=OuterRef("pk"), status=ActionStatus.UNKNOWN, finished_at=now
            )
            .values("task_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        WarmingTask.objects.filter(id__in={r[1] for r in reaped}).update(
            actions_failed=F("actions_failed") + Subquery(counts),
            consecutive_failures=F("consecutive_failures") + Subquery(counts),
        )
    return reaped


def _claim_due(now: datetime, limit: int) -> list[tuple[int, int]]:
    """Move due actions to `queued`: the earliest due action of each running task that has
    none in flight. One statement on PostgreSQL."""
    action_table = WarmingAction._meta.db_table
    task_table = WarmingTask._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {action_table} SET status = 'queued', queued_at = %(now)s
                WHERE id IN (
                    SELECT DISTINCT ON (a.task_id) a.id
                    FROM {action_table} a JOIN {task_table} t ON t.id = a.task_id
                    WHERE a.status = 'planned' AND a.scheduled_at <= %(now)s
                      AND t.status = 'running'
                      AND NOT EXISTS (SELECT 1 FROM {action_table} b
                                      WHERE b.task_id = a.task_id
                                        AND b.status IN ('queued', 'running'))
                    ORDER BY a.task_id, a.scheduled_at
                    LIMIT %(limit)s
                ) AND status = 'planned'
                RETURNING id, task_id
                """,  # noqa: S608 - table names come from the models
                {"now": now, "limit": limit},
            )
            return [tuple(row) for row in cursor.fetchall()]
    in_flight = WarmingAction.objects.filter(
        task_id=OuterRef("task_id"), status__in=[ActionStatus.QUEUED, ActionStatus.RUNNING]
    )
    candidates = (
        WarmingAction.objects.filter(
            status=ActionStatus.PLANNED, scheduled_at__lte=now, task__status=WarmingStatus.RUNNING
        )
        .exclude(Exists(in_flight))
        .order_by("scheduled_at")
        .values_list("id", "task_id")[: limit * 4]
    )
    chosen: dict[int, int] = {}
    for action_id, task_id in candidates:
        chosen.setdefault(task_id, action_id)
    picked = [(action_id, task_id) for task_id, action_id in chosen.items()][:limit]
    WarmingAction.objects.filter(
        id__in=[a for a, _t in picked], status=ActionStatus.PLANNED
    ).update(status=ActionStatus.QUEUED, queued_at=now)
    return picked
