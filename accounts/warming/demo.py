"""Demo data of the warming engine for `make run` (idempotent; runs after accounts.demo):
a short `demo-quick` scenario and a warming task for each active demo account with a proxy,
so the admin's task list, dashboard and event stream have something to show.

A real day spreads its actions over 24 hours (the first one hours away). `start`, run by
bin/run-all once the worker is up, reschedules the demo tasks' remaining actions of the day
DEMO_SPACING apart from now and runs one tick, so the first actions run within the first
minute and the progress moves every minute (one action per task per tick) while you watch.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, AccountStatus

from .models import ACTIVE_STATUSES, ActionStatus, Scenario, WarmingAction, WarmingTask
from .services import scenario_create, warming_start

DEMO_SPACING = timedelta(seconds=30)

QUICK = {
    "total_days": 3,
    "active_hours": {"start": 0, "end": 24},
    "max_actions_per_day": 40,
    "bands": [
        {
            "from_day": 1,
            "to_day": 1,
            "actions_per_day": {"min": 10, "max": 15},
            "action_types": {"view_profile": 3, "view_stories": 2, "like_post": 1},
        },
        {
            "from_day": 2,
            "to_day": 3,
            "actions_per_day": {"min": 20, "max": 30},
            "action_types": {"view_profile": 2, "like_post": 2, "subscribe": 1, "comment": 1},
            "caps": {"comment": 3},
        },
    ],
}


def seed(stdout) -> None:
    if not Scenario.objects.filter(pk="demo-quick").exists():
        scenario_create(
            id="demo-quick",
            name="Demo: quick (3 days)",
            definition=QUICK,
            description="A short, dense scenario for the demo.",
            actor="demo",
        )
    started = 0
    candidates = Account.objects.filter(
        status=AccountStatus.ACTIVE, proxy__isnull=False, login__startswith="demo_"
    ).exclude(warming_tasks__status__in=ACTIVE_STATUSES)
    for account in candidates[:2]:
        if WarmingTask.objects.filter(account=account).exists():
            continue  # warmed before: leave it as the operator left it
        warming_start(account_id=account.pk, scenario_id="demo-quick", actor="demo")
        started += 1
    stdout.write(f"warming demo: {started} task(s) started")


def start(stdout) -> None:
    from .tasks import warming_tick_task

    now = timezone.now()
    moved = 0
    demo_tasks = WarmingTask.objects.filter(
        status__in=ACTIVE_STATUSES, scenario_id="demo-quick", account__login__startswith="demo_"
    )
    with transaction.atomic():
        for task in demo_tasks.select_for_update():
            planned = WarmingAction.objects.filter(
                task=task, day=task.current_day, status=ActionStatus.PLANNED
            ).order_by("scheduled_at", "id")
            for position, action_id in enumerate(planned.values_list("id", flat=True)):
                WarmingAction.objects.filter(pk=action_id).update(
                    scheduled_at=now + position * DEMO_SPACING
                )
                moved += 1
    result = warming_tick_task() or {}
    stdout.write(
        f"warming demo: {moved} action(s) of today rescheduled {DEMO_SPACING.seconds}s apart "
        f"from now; first tick queued {result.get('queued', 0)}"
    )
