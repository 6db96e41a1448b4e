"""The WarmingService routes: start, get, list, pause/resume/stop, statistics, scenarios."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountStatus
from accounts.warming.models import ActionStatus, WarmingAction, WarmingTask
from core.models import AuditEvent

from .factories import AccountFactory
from .helpers import FAST, fast_scenario

pytestmark = pytest.mark.django_db

SEED_FIELDS = {
    "id",
    "account_id",
    "scenario_id",
    "status",
    "progress",
    "current_day",
    "total_days",
    "actions_completed",
    "actions_failed",
    "next_action_at",
    "started_at",
    "completed_at",
    "error",
}


@pytest.fixture
def op(auth_client, operator_user):
    return auth_client(operator_user)


def test_start_warming_answers_the_seed_fields_and_defaults_to_basic(op):
    account = AccountFactory()
    response = op.post("/api/v1/warming/tasks", {"account_id": account.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= SEED_FIELDS
    assert body["status"] == "running" and body["scenario_id"] == "basic"
    assert body["total_days"] == 14 and body["current_day"] == 1 and body["progress"] == 0
    assert body["next_action_at"] and body["started_at"] and body["completed_at"] is None
    account.refresh_from_db()
    assert account.status == AccountStatus.WARMING
    got = op.get(f"/api/v1/warming/tasks/{body['id']}").json()
    assert got == body


def test_duration_override_and_validation(op):
    fast_scenario()
    account = AccountFactory()
    bad = op.post(
        "/api/v1/warming/tasks",
        {"account_id": account.pk, "scenario_id": "fast", "duration_days": 0},
        format="json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "duration_days"]
    ok = op.post(
        "/api/v1/warming/tasks",
        {"account_id": account.pk, "scenario_id": "fast", "duration_days": 9},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["total_days"] == 9


@pytest.mark.parametrize(
    ("account_kw", "status"),
    [({"status": "banned"}, 409), ({"proxy": None}, 409), ({"status": "creating"}, 409)],
)
def test_start_refused_for_an_unusable_account(op, account_kw, status):
    account = AccountFactory(**account_kw)
    response = op.post("/api/v1/warming/tasks", {"account_id": account.pk}, format="json")
    assert response.status_code == status, response.content
    assert not WarmingTask.objects.exists()
    assert AuditEvent.objects.filter(action="warming.start", outcome="denied").exists()


def test_second_start_for_the_same_account_conflicts_and_unknowns_are_404(op):
    account = AccountFactory()
    assert (
        op.post("/api/v1/warming/tasks", {"account_id": account.pk}, format="json").status_code
        == 201
    )
    again = op.post("/api/v1/warming/tasks", {"account_id": account.pk}, format="json")
    assert again.status_code == 409
    assert (
        op.post("/api/v1/warming/tasks", {"account_id": 999999}, format="json").status_code == 404
    )
    other = AccountFactory()
    assert (
        op.post(
            "/api/v1/warming/tasks", {"account_id": other.pk, "scenario_id": "nope"}, format="json"
        ).status_code
        == 404
    )
    assert op.get("/api/v1/warming/tasks/999999").status_code == 404


def test_plain_users_may_not_use_warming(auth_client, user):
    client = auth_client(user)
    assert client.get("/api/v1/warming/tasks").status_code == 403
    assert client.post("/api/v1/warming/tasks", {"account_id": 1}, format="json").status_code == 403


def test_pause_resume_stop_cycle_with_conflicts_and_audit(op):
    fast_scenario()
    account = AccountFactory()
    task_id = op.post(
        "/api/v1/warming/tasks", {"account_id": account.pk, "scenario_id": "fast"}, format="json"
    ).json()["id"]
    before = list(
        WarmingAction.objects.filter(task_id=task_id)
        .order_by("index")
        .values_list("scheduled_at", flat=True)
    )
    paused = op.post(f"/api/v1/warming/tasks/{task_id}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert paused.json()["next_action_at"] is None
    assert op.post(f"/api/v1/warming/tasks/{task_id}/pause").status_code == 409
    # Pretend the pause lasted an hour: resuming shifts the remaining plan by that long.
    WarmingTask.objects.filter(pk=task_id).update(paused_at=timezone.now() - timedelta(hours=1))
    resumed = op.post(f"/api/v1/warming/tasks/{task_id}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"
    after = list(
        WarmingAction.objects.filter(task_id=task_id)
        .order_by("index")
        .values_list("scheduled_at", flat=True)
    )
    shifts = {round((b - a).total_seconds() / 60) for a, b in zip(before, after, strict=True)}
    assert shifts == {60}
    assert op.post(f"/api/v1/warming/tasks/{task_id}/resume").status_code == 409
    stopped = op.post(f"/api/v1/warming/tasks/{task_id}/stop", {"reason": "done"}, format="json")
    body = stopped.json()
    assert stopped.status_code == 200 and body["status"] == "failed"
    assert body["error"].startswith("stopped by ") and body["error"].endswith(": done")
    assert body["completed_at"]
    assert op.post(f"/api/v1/warming/tasks/{task_id}/stop").status_code == 409
    assert set(WarmingAction.objects.filter(task_id=task_id).values_list("status", flat=True)) == {
        ActionStatus.SKIPPED
    }
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    actions = set(AuditEvent.objects.filter(target=str(task_id)).values_list("action", "outcome"))
    assert {
        ("warming.start", "success"),
        ("warming.pause", "success"),
        ("warming.resume", "success"),
        ("warming.stop", "success"),
        ("warming.pause", "denied"),
    } <= actions


def test_list_filters_and_paginates(op):
    fast_scenario()
    vk = AccountFactory(platform="vk")
    tg = AccountFactory(platform="telegram")
    op.post("/api/v1/warming/tasks", {"account_id": vk.pk, "scenario_id": "fast"}, format="json")
    t2 = op.post("/api/v1/warming/tasks", {"account_id": tg.pk}, format="json").json()["id"]
    op.post(f"/api/v1/warming/tasks/{t2}/pause")
    everything = op.get("/api/v1/warming/tasks").json()
    assert everything["count"] == 2
    assert [r["id"] for r in op.get("/api/v1/warming/tasks?status=paused").json()["results"]] == [
        t2
    ]
    assert op.get("/api/v1/warming/tasks?platform=vk").json()["results"][0]["account_id"] == vk.pk
    assert op.get("/api/v1/warming/tasks?scenario_id=basic").json()["count"] == 1
    assert op.get("/api/v1/warming/tasks?status=bogus").status_code == 422
    assert op.get("/api/v1/warming/tasks?page_size=1").json()["next"]


def test_statistics_group_by_status_type_platform_and_scenario(op, collected):
    from accounts.warming.engine import warming_tick
    from accounts.warming.services import warming_action_run

    from .helpers import make_due

    fast_scenario()
    account = AccountFactory(platform="mail")
    task_id = op.post(
        "/api/v1/warming/tasks", {"account_id": account.pk, "scenario_id": "fast"}, format="json"
    ).json()["id"]
    make_due(task_id)
    for _ in range(3):
        warming_tick(dispatch=collected)
        warming_action_run(action_id=collected.actions[-1])
    stats = op.get("/api/v1/warming/statistics").json()
    assert stats["tasks_by_status"]["running"] == 1 and stats["total_tasks"] == 1
    assert sum(row["total"] for row in stats["actions_by_type"]) == 3
    assert all(row["success_rate"] == 1.0 for row in stats["actions_by_type"])
    assert stats["by_platform"] == [
        {
            "platform": "mail",
            "tasks": 1,
            "running": 1,
            "completed": 0,
            "failed": 0,
            "actions_completed": 3,
            "actions_failed": 0,
            "success_rate": 1.0,
        }
    ]
    assert stats["by_scenario"][0]["scenario_id"] == "fast"


def test_scenarios_list_and_create_with_validation(op):
    listed = op.get("/api/v1/warming/scenarios").json()
    assert "basic" in [s["id"] for s in listed["results"]]
    created = op.post(
        "/api/v1/warming/scenarios",
        {"id": "short", "name": "Short", "definition": FAST},
        format="json",
    )
    assert created.status_code == 201 and created.json()["definition"] == FAST
    assert (
        op.post(
            "/api/v1/warming/scenarios", {"id": "short", "definition": FAST}, format="json"
        ).status_code
        == 409
    )
    bad = op.post(
        "/api/v1/warming/scenarios",
        {"id": "bad", "definition": {**FAST, "total_days": 5}},
        format="json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "definition", "bands"]
    assert AuditEvent.objects.filter(action="warming.scenario_create", target="short").exists()
