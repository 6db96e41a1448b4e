"""Scenario definitions: validation (every problem reported with its location), the built-in
`basic`, and day planning (counts, weights, caps, active hours, duration override)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from accounts.warming.definitions import plan_day, scenario_validate
from accounts.warming.models import Scenario
from core.errors import InvalidArgument

pytestmark = pytest.mark.django_db

GOOD = {
    "total_days": 4,
    "active_hours": {"start": 9, "end": 18},
    "bands": [
        {
            "from_day": 1,
            "to_day": 2,
            "actions_per_day": {"min": 20, "max": 30},
            "action_types": {"view_profile": 1, "like_post": 5},
            "caps": {"like_post": 4},
        },
        {
            "from_day": 3,
            "to_day": 4,
            "actions_per_day": {"min": 2, "max": 2},
            "action_types": {"comment": 1},
        },
    ],
}


def test_basic_scenario_is_installed_and_valid():
    basic = Scenario.objects.get(pk="basic")
    assert basic.builtin and basic.total_days == 14
    assert scenario_validate(basic.definition) is basic.definition


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"total_days": 0}, ["body", "definition", "total_days"]),
        ({"active_hours": {"start": 20, "end": 8}}, ["body", "definition", "active_hours"]),
        (
            {"bands": [{**GOOD["bands"][0], "to_day": 4, "action_types": {"hack_account": 1}}]},
            ["body", "definition", "bands", 0, "action_types", "hack_account"],
        ),
        (
            {"bands": [{**GOOD["bands"][0], "actions_per_day": {"min": 5, "max": 1}}]},
            ["body", "definition", "bands", 0, "actions_per_day"],
        ),
        ({"bands": [GOOD["bands"][0]]}, ["body", "definition", "bands"]),  # days 3-4 uncovered
        (
            {"bands": [GOOD["bands"][0], {**GOOD["bands"][1], "from_day": 2}]},
            ["body", "definition", "bands"],
        ),  # overlap
        (
            {"bands": [{**GOOD["bands"][0], "to_day": 4, "caps": {"like_post": -1}}]},
            ["body", "definition", "bands", 0, "caps", "like_post"],
        ),
    ],
)
def test_invalid_definitions_are_refused_with_their_location(change, loc):
    with pytest.raises(InvalidArgument) as info:
        scenario_validate({**GOOD, **change})
    assert loc in [error["loc"] for error in info.value.errors]


def plan(day=1, task_days=4, seed=0, task_id=1, start=datetime(2026, 1, 1, 12, tzinfo=UTC)):
    return plan_day(
        definition=GOOD,
        day=day,
        task_days=task_days,
        seed=seed,
        task_id=task_id,
        day_start=start,
        day_end=start + timedelta(days=1),
    )


def test_day_plan_respects_count_range_caps_and_active_hours():
    actions = plan()
    kinds = Counter(a.action_type for a in actions)
    # like_post is weighted 5:1 but capped at 4, so the rest are profile views
    assert kinds["like_post"] == 4 and 20 <= len(actions) <= 30
    assert all(9 <= a.scheduled_at.hour < 18 for a in actions)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert all(start <= a.scheduled_at < start + timedelta(days=1) for a in actions)
    assert [a.scheduled_at for a in actions] == sorted(a.scheduled_at for a in actions)


def test_day_plan_is_deterministic_per_seed_task_and_day():
    assert plan() == plan()
    assert plan() != plan(task_id=2)


def test_duration_override_walks_every_band_proportionally():
    # An 8-day task of the 4-day scenario: its days 7-8 use the scenario's last band.
    assert {a.action_type for a in plan(day=7, task_days=8)} == {"comment"}
    assert {a.action_type for a in plan(day=4, task_days=8)} != {"comment"}
    # A 2-day task reaches the last band on its second day.
    assert {a.action_type for a in plan(day=2, task_days=2)} == {"comment"}
