"""The scheduler tick and the action runner: planning, claiming, pause/stop, thresholds,
completion, and crash safety (claimed-then-abandoned actions are never run twice)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AccountStatus
from accounts.warming.engine import warming_tick
from accounts.warming.models import ActionStatus, WarmingAction, WarmingStatus, WarmingTask
from accounts.warming.services import (
    warming_action_run,
    warming_complete_if_done,
    warming_pause,
    warming_start,
    warming_stop,
)
from accounts.warming.services.runner import _claim
from core.models import AuditEvent
from core.registry import setting_set

from .factories import AccountFactory
from .helpers import fast_scenario, make_due

pytestmark = pytest.mark.django_db


def start(**kw) -> WarmingTask:
    fast_scenario()
    account = AccountFactory(**kw)
    return warming_start(account_id=account.pk, scenario_id="fast", actor="test")


def test_start_plans_day_one_and_moves_account_to_warming():
    task = start()
    assert task.status == WarmingStatus.RUNNING and task.current_day == 1
    assert task.total_days == 2
    actions = WarmingAction.objects.filter(task=task)
    assert actions.count() == 3 and {a.day for a in actions} == {1}
    assert task.next_action_at == min(a.scheduled_at for a in actions)
    task.account.refresh_from_db()
    assert task.account.status == AccountStatus.WARMING
    assert AuditEvent.objects.filter(action="warming.start", target=str(task.pk)).exists()


def test_tick_queues_one_due_action_per_task_and_runner_records_it(collected):
    task = start()
    make_due(task.pk)  # all three are due, yet only one may be in flight per task
    result = warming_tick(dispatch=collected)
    assert result.queued == 1 and len(collected.actions) == 1
    assert warming_tick(dispatch=collected).queued == 0  # still in flight
    assert warming_action_run(action_id=collected.actions[0]) == ActionStatus.SUCCEEDED
    task.refresh_from_db()
    assert task.actions_completed == 1 and task.actions_failed == 0
    assert task.progress == 16  # 1 of 3 actions of day 1 of 2
    action = WarmingAction.objects.get(pk=collected.actions[0])
    assert action.status == ActionStatus.SUCCEEDED and action.result["sandbox"] == "true"
    assert warming_tick(dispatch=collected).queued == 1


def test_pause_takes_effect_before_a_queued_action_runs(collected):
    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    warming_pause(task_id=task.pk, actor="test")
    assert warming_action_run(action_id=collected.actions[0]) == "not-running"
    action = WarmingAction.objects.get(pk=collected.actions[0])
    assert action.status == ActionStatus.PLANNED and action.claimed_at is None
    assert warming_tick(dispatch=collected).queued == 0  # paused tasks are not scheduled


def test_stop_skips_the_rest_and_returns_the_account_to_active(collected):
    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    warming_stop(task_id=task.pk, actor="test", reason="enough")
    assert warming_action_run(action_id=collected.actions[0]) == "not-running"
    task.refresh_from_db()
    assert task.status == WarmingStatus.FAILED and task.error == "stopped by test: enough"
    assert not WarmingAction.objects.filter(task=task).exclude(status=ActionStatus.SKIPPED)
    task.account.refresh_from_db()
    assert task.account.status == AccountStatus.ACTIVE


def test_task_fails_past_the_consecutive_failure_threshold(collected):
    setting_set(key="accounts.driver.sandbox_success_rate", value="0")
    setting_set(key="warming.failure_threshold", value=2)
    task = start()
    make_due(task.pk)
    for _ in range(2):
        warming_tick(dispatch=collected)
        assert warming_action_run(action_id=collected.actions[-1]) == ActionStatus.FAILED
    task.refresh_from_db()
    assert task.status == WarmingStatus.FAILED
    assert task.actions_failed == 2 and "2 consecutive actions failed" in task.error
    assert "sandbox:" in task.error  # the driver's last error is kept
    task.account.refresh_from_db()
    assert task.account.status == AccountStatus.ACTIVE
    assert AuditEvent.objects.filter(action="warming.fail", target=str(task.pk)).exists()


def test_day_rollover_skips_leftovers_and_plans_the_next_day(collected):
    task = start()
    later = timezone.now() + timedelta(days=1, minutes=1)
    result = warming_tick(now=later, dispatch=collected)
    assert result.planned_tasks == 1
    task.refresh_from_db()
    assert task.current_day == 2 and task.progress == 50
    assert WarmingAction.objects.filter(task=task, day=1, status=ActionStatus.SKIPPED).count() == 3
    assert WarmingAction.objects.filter(task=task, day=2).count() == 3


def test_last_day_ending_completes_the_task_and_activates_the_account(collected):
    task = start()
    t = timezone.now()
    warming_tick(now=t + timedelta(days=1, minutes=1), dispatch=collected)
    result = warming_tick(now=t + timedelta(days=2, minutes=2), dispatch=collected)
    assert result.settle == [task.pk] and result.planned_tasks == 0
    assert (
        warming_complete_if_done(task_id=task.pk, now=t + timedelta(days=2, minutes=2))
        == "completed"
    )
    task.refresh_from_db()
    assert task.status == WarmingStatus.COMPLETED and task.progress == 100
    assert task.completed_at is not None
    task.account.refresh_from_db()
    assert task.account.status == AccountStatus.ACTIVE


def test_crashed_claim_is_never_rerun_and_ends_as_unknown_outcome(collected):
    """Simulate a worker that claims an action and dies before recording the result."""
    setting_set(key="warming.action_lease_seconds", value=60)
    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    action_id = collected.actions[0]
    assert not isinstance(_claim(action_id=action_id, now=timezone.now()), str)  # then "dies"
    # The broker redelivers the message (acks_late): the claim is gone, nothing runs twice.
    assert warming_action_run(action_id=action_id) == "already-claimed"
    # Within the lease nothing happens; the task keeps no second action in flight.
    assert warming_tick(dispatch=collected).reaped == 0
    assert WarmingAction.objects.get(pk=action_id).status == ActionStatus.RUNNING
    result = warming_tick(now=timezone.now() + timedelta(seconds=61), dispatch=collected)
    assert result.reaped == 1 and result.settle == [task.pk]
    action = WarmingAction.objects.get(pk=action_id)
    assert action.status == ActionStatus.UNKNOWN and "outcome unknown" in action.error
    task.refresh_from_db()
    assert task.actions_failed == 1 and task.actions_completed == 0
    assert warming_action_run(action_id=action_id) == "already-claimed"
    assert WarmingAction.objects.filter(task=task, status=ActionStatus.SUCCEEDED).count() == 0


def test_late_result_after_the_lease_is_dropped(collected):
    setting_set(key="warming.action_lease_seconds", value=10)
    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    from accounts.warming.services import runner

    action, claimed_task, token = runner._claim(
        action_id=collected.actions[0], now=timezone.now() - timedelta(seconds=30)
    )
    warming_tick(dispatch=collected)  # reaps it
    result = runner._execute(action, claimed_task)
    assert runner._record(action_id=action.pk, token=token, result=result) == "lease-lost"
    assert WarmingAction.objects.get(pk=action.pk).status == ActionStatus.UNKNOWN


def test_unclaimed_queued_action_is_requeued_after_the_queue_lease(collected):
    setting_set(key="warming.queue_lease_seconds", value=30)
    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    result = warming_tick(now=timezone.now() + timedelta(seconds=31), dispatch=collected)
    assert result.requeued == 1 and result.queued == 1
    assert collected.actions[0] == collected.actions[1]
    # The two messages race; the conditional claim lets exactly one run.
    outcomes = [warming_action_run(action_id=collected.actions[0]) for _ in range(2)]
    assert sorted(outcomes) == ["already-claimed", ActionStatus.SUCCEEDED]


def test_tick_query_count_does_not_grow_with_the_number_of_tasks(collected):
    fast_scenario()

    def measure(n: int) -> int:
        tasks = [
            warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="t")
            for _ in range(n)
        ]
        WarmingAction.objects.filter(task__in=tasks).update(
            scheduled_at=timezone.now() - timedelta(seconds=1)
        )
        WarmingTask.objects.filter(pk__in=[t.pk for t in tasks[: n // 2]]).update(
            day_ends_at=timezone.now() - timedelta(seconds=1)
        )
        with CaptureQueriesContext(connection) as ctx:
            result = warming_tick(dispatch=collected)
        assert result.queued == n - n // 2 and result.planned_tasks == n // 2
        WarmingTask.objects.all().update(status=WarmingStatus.COMPLETED)
        return len(ctx.captured_queries)

    warming_tick(dispatch=collected)  # settings now cached, as in a steady state
    assert measure(4) == measure(40)


def test_account_banned_mid_warming_fails_the_task_before_its_next_action(collected):
    from accounts.services.accounts import account_status_change

    task = start()
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    account_status_change(account_id=task.account_id, new_status="banned", reason="platform")
    assert warming_action_run(action_id=collected.actions[0]) == "not-running"
    task.refresh_from_db()
    assert task.status == WarmingStatus.FAILED and "banned" in task.error
    assert WarmingAction.objects.get(pk=collected.actions[0]).status == ActionStatus.SKIPPED
    task.account.refresh_from_db()
    assert task.account.status == AccountStatus.BANNED  # not "reactivated" by warming


def test_overlapping_ticks_never_run_together():
    from accounts.warming.tasks import warming_tick_task
    from core.locks import job_lock
    from core.models import JobRun

    with job_lock("warming.tick", 55) as held:
        assert held
        assert warming_tick_task() is None  # a second tick while one runs is skipped
    assert JobRun.objects.filter(name="warming.tick", status="skipped").count() == 1
    assert warming_tick_task() is not None
    assert JobRun.objects.filter(name="warming.tick", status="success").count() == 1


def test_beat_schedule_for_the_tick_exists_after_migrate():
    from django_celery_beat.models import PeriodicTask

    beat = PeriodicTask.objects.get(task="warming.tick")
    assert beat.enabled and beat.interval.every == 60 and beat.interval.period == "seconds"
    assert beat.expire_seconds < 60


def test_completion_is_audited_and_announced():
    task = start()
    t = timezone.now() + timedelta(days=3)
    WarmingTask.objects.filter(pk=task.pk).update(current_day=2, day_ends_at=t - timedelta(days=1))
    assert warming_complete_if_done(task_id=task.pk, now=t) == "completed"
    assert AuditEvent.objects.filter(action="warming.complete", target=str(task.pk)).exists()
    assert warming_complete_if_done(task_id=task.pk, now=t) == "not-running"  # idempotent
