"""Admin: task list with progress bars and pause/resume/stop actions, the scenario editor's
validation, and the warming dashboard."""

from __future__ import annotations

import pytest

from accounts.warming.models import Scenario, WarmingStatus, WarmingTask
from accounts.warming.services import warming_start

from .factories import AccountFactory
from .helpers import FAST, fast_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def test_task_list_shows_progress_and_actions_pause_resume_stop(staff):
    fast_scenario()
    task = warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="t")
    page = staff.get("/admin/warming/warmingtask/")
    assert page.status_code == 200 and b"progress" in page.content and b"width:0%" in page.content
    url = "/admin/warming/warmingtask/"
    for action, expected in [
        ("action_pause", WarmingStatus.PAUSED),
        ("action_resume", WarmingStatus.RUNNING),
        ("action_stop", WarmingStatus.FAILED),
    ]:
        staff.post(url, {"action": action, "_selected_action": [task.pk]})
        task.refresh_from_db()
        assert task.status == expected
    response = staff.post(
        url, {"action": "action_pause", "_selected_action": [task.pk]}, follow=True
    )
    assert b"Refused" in response.content  # a stopped task cannot be paused
    assert staff.get(f"/admin/warming/warmingtask/{task.pk}/change/").status_code == 200


def test_scenario_editor_validates_the_definition(staff):
    import json

    bad = {**FAST, "bands": [{**FAST["bands"][0], "action_types": {"hack": 1}}]}
    response = staff.post(
        "/admin/warming/scenario/add/",
        {"id": "bad", "name": "Bad", "description": "", "definition": json.dumps(bad)},
    )
    assert response.status_code == 200 and b"unknown action type" in response.content
    assert not Scenario.objects.filter(pk="bad").exists()
    response = staff.post(
        "/admin/warming/scenario/add/",
        {"id": "good", "name": "Good", "description": "", "definition": json.dumps(FAST)},
    )
    assert response.status_code == 302
    assert Scenario.objects.get(pk="good").definition == FAST


def test_dashboard_shows_counts_and_running_progress(staff):
    fast_scenario()
    task = warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="t")
    WarmingTask.objects.filter(pk=task.pk).update(progress=42)
    page = staff.get("/admin/warming/warmingtask/dashboard/")
    assert page.status_code == 200
    assert b"Running tasks" in page.content and b"width:42%" in page.content
    assert b"No running task" not in page.content


def test_demo_seed_starts_warming_for_demo_accounts_once():
    import io

    from accounts.warming import demo

    AccountFactory(login="demo_vk_9")
    AccountFactory(login="demo_tg_9", platform="telegram")
    AccountFactory(login="demo_nope", proxy=None)
    demo.seed(io.StringIO())
    demo.seed(io.StringIO())
    assert WarmingTask.objects.count() == 2
    assert set(WarmingTask.objects.values_list("scenario_id", flat=True)) == {"demo-quick"}
