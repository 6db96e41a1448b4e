"""Races under real parallelism (threads, separate database connections): duplicate messages
for one action run it once; a pause racing the workers lets no action start after it."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.warming.engine import warming_tick
from accounts.warming.models import ActionStatus, WarmingAction, WarmingTask
from accounts.warming.services import warming_action_run, warming_pause, warming_start
from core.registry import setting_set

from .factories import AccountFactory
from .helpers import fast_scenario, make_due

pytestmark = pytest.mark.django_db(transaction=True)


def closing(fn):
    def run(i):
        try:
            return fn(i)
        finally:
            connection.close()

    return run


def test_eight_workers_given_the_same_action_run_it_exactly_once(parallel, collected):
    fast_scenario()
    task = warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="t")
    make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    action_id = collected.actions[0]
    outcomes = parallel(8, closing(lambda i: warming_action_run(action_id=action_id)))
    assert outcomes.count(ActionStatus.SUCCEEDED) == 1
    assert set(outcomes) == {ActionStatus.SUCCEEDED, "already-claimed"}
    task.refresh_from_db()
    assert task.actions_completed == 1


def test_no_action_starts_after_a_pause_returns(parallel, collected):
    setting_set(key="accounts.driver.sandbox_latency_ms", value=30)
    fast_scenario()
    tasks = [
        warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="t")
        for _ in range(6)
    ]
    for task in tasks:
        make_due(task.pk, 1)
    warming_tick(dispatch=collected)
    assert len(collected.actions) == 6

    def work(i):
        if i < 6:
            return warming_action_run(action_id=collected.actions[i])
        return warming_pause(task_id=tasks[i - 6].pk, actor="t").paused_at

    parallel(12, closing(work))
    for task in WarmingTask.objects.filter(pk__in=[t.pk for t in tasks]):
        action = WarmingAction.objects.get(task=task, pk__in=collected.actions)
        if action.claimed_at is None:
            assert action.status == ActionStatus.PLANNED  # handed back, runs after resume
        else:
            assert action.claimed_at <= task.paused_at  # claimed before the pause, never after
            assert action.status == ActionStatus.SUCCEEDED
