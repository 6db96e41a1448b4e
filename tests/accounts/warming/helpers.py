from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.warming.models import ActionStatus, Scenario, WarmingAction

FAST = {
    "total_days": 2,
    "active_hours": {"start": 0, "end": 24},
    "bands": [
        {
            "from_day": 1,
            "to_day": 2,
            "actions_per_day": {"min": 3, "max": 3},
            "action_types": {"view_profile": 1, "like_post": 1},
        }
    ],
}


def fast_scenario(**overrides) -> Scenario:
    definition = {**FAST, **overrides}
    return Scenario.objects.update_or_create(
        id="fast", defaults={"name": "fast", "definition": definition}
    )[0]


def make_due(task_id: int, count: int | None = None) -> list[int]:
    """Bring the first `count` planned actions of a task forward to now (all if None)."""
    ids = list(
        WarmingAction.objects.filter(task_id=task_id, status=ActionStatus.PLANNED)
        .order_by("scheduled_at")
        .values_list("id", flat=True)
    )[:count]
    WarmingAction.objects.filter(id__in=ids).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )
    return ids
