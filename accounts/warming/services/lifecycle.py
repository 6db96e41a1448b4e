"""The life of a warming task: StartWarming, Pause, Resume, Stop, completion and failure.

    running -> paused -> running        (pause / resume; planned actions shift by the pause)
    running | paused -> failed          (stop by an operator, or the failure threshold)
    running -> completed                (its last day ended and no action is in flight)

Every change locks the task row: the action runner claims actions under the same lock, so a
pause or stop takes effect before the next action starts. Each change is audited and
announced as a `status_changed` event. The account moves to `warming` on start and back to
`active` when the task ends (completed, failed or stopped).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Account, AccountStatus
from accounts.services.accounts import account_status_change
from accounts.warming.definitions import MAX_DAYS
from core.audit import audit_record
from core.errors import Conflict, DomainError, InvalidArgument, NotFound, PermissionDenied
from core.models import AuditEvent
from core.registry import setting_get

from ..events import event_publish
from ..models import ACTIVE_STATUSES, ActionStatus, Scenario, WarmingAction, WarmingStatus
from ..models import WarmingTask as Task
from ..planning import TaskRow, plan_next_days, refresh_next_action_at

ENGINE = "warming"  # the actor recorded for changes the engine makes by itself


def _audit(task: Task, action: str, *, actor: Any, outcome: str | None = None, **data: Any) -> None:
    audit_record(
        action=f"warming.{action}",
        target_type="warming_task",
        target=str(task.pk or ""),
        outcome=outcome or AuditEvent.Outcome.SUCCESS,
        actor=actor if not isinstance(actor, str) else None,
        accessor=actor if isinstance(actor, str) else "",
        data={"account_id": task.account_id, **data},
    )


def _status_event(task: Task, previous: str, **extra: Any) -> None:
    data: dict[str, Any] = {
        "previous_status": previous,
        "status": task.status,
        "progress": task.progress,
        **extra,
    }
    if task.error:
        data["error"] = task.error
    event_publish(task_id=task.pk, event_type="status_changed", data=data)


def _lock(task_id: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise NotFound("Warming task not found.")
    return task


_Transition = Callable[..., Task]  # (*, task_id, actor=None, ...) -> the task


def _refused(fn: _Transition) -> _Transition:
    """Audit a refusal outside the transaction that rolled back, then re-raise."""

    def wrapper(*, task_id: int, actor: Any = None, **kwargs: Any) -> Task:
        try:
            return fn(task_id=task_id, actor=actor, **kwargs)
        except (Conflict, PermissionDenied) as exc:
            audit_record(
                action=f"warming.{fn.__name__.removeprefix('warming_')}",
                target_type="warming_task",
                target=str(task_id),
                outcome=AuditEvent.Outcome.DENIED,
                actor=actor if not isinstance(actor, str) else None,
                data={"refused": exc.message},
            )
            raise

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def warming_start(
    *,
    account_id: int,
    scenario_id: str | None = None,
    duration_days: int | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> Task:
    """StartWarming: create a running task for an active account with a proxy, move the account
    to `warming` and plan day 1 at once. Raises NotFound (account, scenario), InvalidArgument
    (duration_days), Conflict (account not active, without proxy, or already warming)."""
    if duration_days is not None and not (
        isinstance(duration_days, int) and 1 <= duration_days <= MAX_DAYS
    ):
        raise InvalidArgument(f"duration_days must be from 1 to {MAX_DAYS}.", field="duration_days")
    try:
        return _start(
            account_id=account_id,
            scenario_id=scenario_id or "basic",
            duration_days=duration_days,
            actor=actor,
            now=now or timezone.now(),
        )
    except Conflict as exc:
        audit_record(
            action="warming.start",
            target_type="account",
            target=str(account_id),
            outcome=AuditEvent.Outcome.DENIED,
            actor=actor if not isinstance(actor, str) else None,
            data={"refused": exc.message, "scenario_id": scenario_id or "basic"},
        )
        raise


@transaction.atomic
def _start(
    *, account_id: int, scenario_id: str, duration_days: int | None, actor: Any, now: datetime
) -> Task:
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is None:
        raise NotFound(f"Scenario {scenario_id!r} not found.")
    if Task.objects.filter(account_id=account.pk, status__in=ACTIVE_STATUSES).exists():
        raise Conflict("The account already has an active warming task.")
    if account.status != AccountStatus.ACTIVE:
        raise Conflict(f"The account is {account.status}; only an active account can be warmed.")
    if account.proxy_id is None:
        raise Conflict("The account has no proxy; allocate one before warming it.")
    task = Task.objects.create(
        account=account,
        scenario=scenario,
        status=WarmingStatus.RUNNING,
        total_days=duration_days or scenario.total_days,
        started_at=now,
        account_status_before=account.status,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    account_status_change(
        account_id=account.pk,
        new_status=AccountStatus.WARMING,
        reason=f"warming task {task.pk} started",
        actor=actor or ENGINE,
    )
    plan_next_days([TaskRow(task.pk, scenario.pk, 0, task.total_days, task.seed)], now=now)
    refresh_next_action_at([task.pk])
    task.refresh_from_db()
    _audit(
        task,
        "start",
        actor=actor,
        scenario_id=scenario.pk,
        total_days=task.total_days,
    )
    _status_event(task, WarmingStatus.PENDING)
    return task


@_refused
@transaction.atomic
def warming_pause(*, task_id: int, actor: Any = None) -> Task:
    """PauseWarming: no action starts after this returns (an action already claimed by a worker
    finishes and is recorded). Conflict unless the task is running."""
    task = _lock(task_id)
    if task.status != WarmingStatus.RUNNING:
        raise Conflict(f"Only a running task can be paused; this one is {task.status}.")
    previous = task.status
    task.status = WarmingStatus.PAUSED
    task.paused_at = timezone.now()
    task.next_action_at = None
    task.save(update_fields=["status", "paused_at", "next_action_at", "updated_at"])
    _audit(task, "pause", actor=actor)
    _status_event(task, previous)
    return task


@_refused
@transaction.atomic
def warming_resume(*, task_id: int, actor: Any = None) -> Task:
    """ResumeWarming: the day and its remaining actions shift by the length of the pause, so
    nothing bursts out at once. Conflict unless the task is paused."""
    task = _lock(task_id)
    if task.status != WarmingStatus.PAUSED:
        raise Conflict(f"Only a paused task can be resumed; this one is {task.status}.")
    now = timezone.now()
    shift = now - (task.paused_at or now)
    WarmingAction.objects.filter(task_id=task.pk, status=ActionStatus.QUEUED).update(
        status=ActionStatus.PLANNED, queued_at=None
    )
    WarmingAction.objects.filter(task_id=task.pk, status=ActionStatus.PLANNED).update(
        scheduled_at=F("scheduled_at") + shift
    )
    previous = task.status
    task.status = WarmingStatus.RUNNING
    task.paused_at = None
    if task.day_ends_at:
        task.day_ends_at += shift
    task.save(update_fields=["status", "paused_at", "day_ends_at", "updated_at"])
    refresh_next_action_at([task.pk])
    task.refresh_from_db()
    _audit(task, "resume", actor=actor, paused_seconds=int(shift.total_seconds()))
    _status_event(task, previous)
    return task


@_refused
@transaction.atomic
def warming_stop(*, task_id: int, actor: Any = None, reason: str = "") -> Task:
    """StopWarming: ends the task for good (status failed, error says who stopped it); actions
    not yet claimed are skipped; the account returns to active. Conflict if already ended."""
    task = _lock(task_id)
    if task.status not in ACTIVE_STATUSES:
        raise Conflict(f"The task has already ended ({task.status}).")
    who = getattr(actor, "username", None) or actor or "an operator"
    _end(
        task,
        WarmingStatus.FAILED,
        error=f"stopped by {who}" + (f": {reason}" if reason else ""),
        actor=actor,
        audit_action="stop",
    )
    return task


def warming_fail(*, task: Task, error: str, actor: Any = ENGINE) -> None:
    """End a locked task as failed (failure threshold, account no longer usable)."""
    _end(task, WarmingStatus.FAILED, error=error, actor=actor, audit_action="fail")


@transaction.atomic
def warming_complete_if_done(*, task_id: int, now: datetime | None = None) -> str:
    """Settle a task the tick flagged: fail it past the failure threshold, complete it when its
    last day has ended and no action is in flight. Returns what happened (idempotent)."""
    now = now or timezone.now()
    task = Task.objects.select_for_update().filter(pk=task_id).first()
    if task is None or task.status != WarmingStatus.RUNNING:
        return "not-running"
    threshold = setting_get("warming.failure_threshold")
    if task.consecutive_failures >= threshold:
        warming_fail(
            task=task,
            error=f"{task.consecutive_failures} consecutive actions failed "
            f"(threshold {threshold}); last outcome unknown",
        )
        return "failed"
    if task.current_day < task.total_days or not task.day_ends_at or task.day_ends_at > now:
        return "not-due"
    if WarmingAction.objects.filter(
        task_id=task.pk, status__in=[ActionStatus.QUEUED, ActionStatus.RUNNING]
    ).exists():
        return "in-flight"
    _end(task, WarmingStatus.COMPLETED, error="", actor=ENGINE, audit_action="complete")
    return "completed"


def _end(task: Task, status: str, *, error: str, actor: Any, audit_action: str) -> None:
    now = timezone.now()
    WarmingAction.objects.filter(
        task_id=task.pk, status__in=[ActionStatus.PLANNED, ActionStatus.QUEUED]
    ).update(status=ActionStatus.SKIPPED, finished_at=now, error=f"task {audit_action}")
    previous = task.status
    task.status = status
    task.error = error
    task.completed_at = now
    task.next_action_at = None
    task.paused_at = None
    if status == WarmingStatus.COMPLETED:
        task.progress = 100
    task.save()
    _release_account(task, actor=actor, why=audit_action)
    _audit(task, audit_action, actor=actor, status=status, error=error)
    _status_event(task, previous)


def _release_account(task: Task, *, actor: Any, why: str) -> None:
    """Back to active, unless something else (a ban, a suspension) moved the account since."""
    current = Account.objects.filter(pk=task.account_id).values_list("status", flat=True).first()
    if current != AccountStatus.WARMING:
        return
    # The fleet's state machine may refuse (its refusal is audited there); the task's own
    # outcome stands regardless.
    with contextlib.suppress(DomainError):
        account_status_change(
            account_id=task.account_id,
            new_status=AccountStatus.ACTIVE,
            reason=f"warming task {task.pk}: {why}",
            actor=actor or ENGINE,
        )
