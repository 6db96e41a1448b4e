"""Running one planned action through the platform driver, crash-safely.

1. Under the task's row lock: re-check that the task is running (pause/stop win here), then
   claim the action with a conditional UPDATE queued -> running carrying a fresh claim token.
   A duplicate message, or a second worker, finds no queued row and does nothing.
2. Call the driver outside any transaction.
3. Record the result with a conditional UPDATE on (running, claim token), then update the
   task's counters under its lock.

A worker that dies between 1 and 3 leaves the action `running`. The tick does not run it
again: past warming.action_lease_seconds it marks it `unknown` (counted as failed), because
the platform may already have performed it and actions are not idempotent (a second comment
is a second comment). A result that arrives after that finds its claim gone and is dropped.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.drivers import ActionRequest, ActionResult, ProxyRef, driver_for
from accounts.models import AccountStatus
from core.registry import setting_get

from ..events import event_publish
from ..models import ActionStatus, WarmingAction, WarmingStatus, WarmingTask
from ..planning import refresh_next_action_at
from .lifecycle import warming_fail

logger = logging.getLogger(__name__)
FINISHED = [ActionStatus.SUCCEEDED, ActionStatus.FAILED, ActionStatus.UNKNOWN]
UNUSABLE = {AccountStatus.BANNED, AccountStatus.SUSPENDED, AccountStatus.DELETED}


def warming_action_run(*, action_id: int, now: datetime | None = None) -> str:
    """Run a queued action at most once. Returns the outcome: succeeded, failed, or why it did
    not run (gone, not-running, already-claimed, lease-lost)."""
    claimed = _claim(action_id=action_id, now=now or timezone.now())
    if isinstance(claimed, str):
        return claimed
    action, task, token = claimed
    result = _execute(action, task)
    return _record(action_id=action.pk, token=token, result=result)


@transaction.atomic
def _claim(*, action_id: int, now: datetime) -> str | tuple[WarmingAction, WarmingTask, uuid.UUID]:
    task_id = WarmingAction.objects.filter(pk=action_id).values_list("task_id", flat=True).first()
    if task_id is None:
        return "gone"
    task = (
        WarmingTask.objects.select_for_update(of=("self",))
        .select_related("account", "account__proxy")
        .get(pk=task_id)
    )
    if task.status != WarmingStatus.RUNNING:
        back = ActionStatus.PLANNED if task.status == WarmingStatus.PAUSED else ActionStatus.SKIPPED
        WarmingAction.objects.filter(pk=action_id, status=ActionStatus.QUEUED).update(
            status=back, queued_at=None
        )
        return "not-running"
    if task.account.status in UNUSABLE:
        warming_fail(task=task, error=f"The account is {task.account.status}.")
        return "not-running"
    token = uuid.uuid4()
    if not WarmingAction.objects.filter(pk=action_id, status=ActionStatus.QUEUED).update(
        status=ActionStatus.RUNNING, claim_token=token, claimed_at=now
    ):
        return "already-claimed"
    action = WarmingAction.objects.get(pk=action_id)
    event_publish(task_id=task.pk, event_type="action_started", data=_event_data(action))
    return action, task, token


def _execute(action: WarmingAction, task: WarmingTask) -> ActionResult:
    account = task.account
    proxy = account.proxy
    if proxy is None:
        return ActionResult(
            success=False,
            action_type=action.action_type,
            duration_ms=0,
            error="The account has no proxy.",
        )
    request = ActionRequest(
        platform=account.platform,
        account_id=account.pk,
        login=account.login,
        action_type=action.action_type,
        proxy=ProxyRef(id=proxy.pk, protocol=proxy.protocol, host=proxy.host, port=proxy.port),
        task_id=task.pk,
        action_index=action.index,
    )
    try:
        return driver_for(account.platform).execute_action(request=request)
    except Exception as exc:  # noqa: BLE001 - a broken driver is a failed action, not a crash
        logger.exception("warming driver failed")
        return ActionResult(
            success=False,
            action_type=action.action_type,
            duration_ms=0,
            error=f"driver error: {type(exc).__name__}: {exc}",
        )


@transaction.atomic
def _record(*, action_id: int, token: uuid.UUID, result: ActionResult) -> str:
    now = timezone.now()
    task_id = WarmingAction.objects.filter(pk=action_id).values_list("task_id", flat=True).first()
    if task_id is None:
        return "gone"
    task = WarmingTask.objects.select_for_update().get(pk=task_id)
    outcome = ActionStatus.SUCCEEDED if result.success else ActionStatus.FAILED
    if not WarmingAction.objects.filter(
        pk=action_id, status=ActionStatus.RUNNING, claim_token=token
    ).update(
        status=outcome,
        finished_at=now,
        duration_ms=result.duration_ms,
        error=result.error[:2000],
        result=dict(result.data),
    ):
        logger.warning("warming action %s: result after its lease ended; dropped", action_id)
        return "lease-lost"
    if result.success:
        task.actions_completed += 1
        task.consecutive_failures = 0
    else:
        task.actions_failed += 1
        task.consecutive_failures += 1
    today = WarmingAction.objects.filter(task_id=task.pk, day=task.current_day).aggregate(
        planned=Count("id", filter=~Q(status=ActionStatus.SKIPPED)),
        done=Count("id", filter=Q(status__in=FINISHED)),
    )
    fraction = today["done"] / today["planned"] if today["planned"] else 0
    progress = int(100 * (task.current_day - 1 + fraction) / max(task.total_days, 1))
    task.progress = max(task.progress, min(99, progress))
    task.save(
        update_fields=[
            "actions_completed",
            "actions_failed",
            "consecutive_failures",
            "progress",
            "updated_at",
        ]
    )
    action = WarmingAction.objects.get(pk=action_id)
    kind = "action_completed" if result.success else "action_failed"
    event_publish(task_id=task.pk, event_type=kind, data=_event_data(action))
    threshold = setting_get("warming.failure_threshold")
    if task.status == WarmingStatus.RUNNING and task.consecutive_failures >= threshold:
        warming_fail(
            task=task,
            error=f"{task.consecutive_failures} consecutive actions failed "
            f"(threshold {threshold}); last error: {result.error}",
        )
    elif task.status == WarmingStatus.RUNNING:  # a paused task has no next action
        refresh_next_action_at([task.pk])
    return outcome


def _event_data(action: WarmingAction) -> dict[str, Any]:
    data = {
        "action_id": action.pk,
        "action_type": action.action_type,
        "day": action.day,
        "index": action.index,
        "status": action.status,
    }
    if action.duration_ms is not None:
        data["duration_ms"] = action.duration_ms
    if action.error:
        data["error"] = action.error
    return data
