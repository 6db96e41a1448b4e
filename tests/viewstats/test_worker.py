"""Through a real Celery worker: the API enqueues batches, the worker collects them, the shared
rate limiter holds, and a worker killed mid-run loses no task."""

from __future__ import annotations

import pytest

from core.locks import alive
from core.models import JobRun
from core.registry import settings_get_many
from tests.celery_worker import kill, stop, wait_until, worker_process
from tests.viewstats.conftest import configure
from viewstats.models import ViewReading, ViewTask
from viewstats.services.collect import claim_key
from viewstats.services.task_lifecycle import tasks_submit

pytestmark = pytest.mark.django_db(transaction=True)


def test_submitted_links_are_collected_in_batches_of_100(
    fake_vk, worker, user, auth_client, wait_for, all_finished
):
    fake_vk.auto = True
    links = [f"https://vk.com/wall-7_{i}" for i in range(1, 251)]
    response = auth_client(user).post("/get-views/vk", {"links": links}, format="json")
    assert response.status_code == 202 and len(response.json()) == 250
    wait_for(all_finished)
    assert set(ViewTask.objects.values_list("error", flat=True)) == {""}
    assert ViewTask.objects.filter(status="done").count() == 250
    assert len(fake_vk.calls) == 3  # ceil(250 / 100)
    sizes = sorted(
        len(r.body.decode().split("posts=")[1].split("&")[0].split("%2C")) for r in fake_vk.calls
    )
    assert sizes == [50, 100, 100]
    rows = auth_client(user).get("/get-bg-tasks", {"status": "done"}).json()
    assert len(rows) == 250 and all(isinstance(r["views"], int) for r in rows)


def test_telegram_through_the_worker(fake_tg, worker, user, auth_client, wait_for, all_finished):
    fake_tg.add_post("chan_one", 1, "12.3K")
    auth_client(user).post(
        "/get-views/telegram", {"links": ["t.me/chan_one/1", "t.me/chan_one/2"]}, format="json"
    )
    wait_for(all_finished)
    assert dict(ViewTask.objects.values_list("post_key", "status")) == {
        "chan_one/1": "done",
        "chan_one/2": "failed",
    }


def test_error_6_is_retried_by_the_worker(fake_vk, worker, user, wait_for, all_finished):
    fake_vk.fail_next(6, times=2)
    tasks_submit(user=user, platform="vk", links=["vk.com/wall-1_1"])
    fake_vk.add_post(-1, 1, views=42)
    wait_for(all_finished)
    task = ViewTask.objects.get()
    assert task.status == "done" and task.views == 42 and len(fake_vk.calls) == 3


def test_rate_limit_holds_across_concurrent_workers(fake_vk, worker, user, wait_for, all_finished):
    fake_vk.auto = True
    configure(vk_rps=4, vk_batch_size=1)
    tasks_submit(user=user, platform="vk", links=[f"vk.com/wall-1_{i}" for i in range(1, 11)])
    wait_for(all_finished, timeout=30)
    times = sorted(fake_vk.call_times)
    assert len(times) == 10
    # Four worker threads, one token at 4/s: never more than 4 calls within any second.
    for i in range(len(times) - 4):
        assert times[i + 4] - times[i] >= 0.999, [round(t - times[0], 3) for t in times]
    assert times[-1] - times[0] >= 2.0


def test_a_worker_killed_mid_collection_loses_no_task_and_collects_none_twice(
    fake_vk, user, all_finished
):
    """SIGKILL of the worker while it waits on VK: its claim's heartbeat expires within
    JOB_LOCK_TTL; the next worker, as it starts, returns the lost claim's tasks to the queue
    (not after `viewstats.stale_after`) and collects them, each once."""
    fake_vk.auto = True
    fake_vk.delay = 30  # the first worker hangs inside the VK call
    tasks = tasks_submit(
        user=user, platform="vk", links=[f"vk.com/wall-2_{i}" for i in range(1, 151)]
    )
    ids = [t["id"] for t in tasks]
    first = worker_process(JOB_LOCK_TTL="2")
    try:
        wait_until(
            lambda: ViewTask.objects.filter(status="in progress").exists() and fake_vk.calls,
            timeout=60,
        )
    finally:
        kill(first)
    claims = set(ViewTask.objects.filter(status="in progress").values_list("claim", flat=True))
    assert len(claims) == 1 and ViewTask.objects.filter(status="in progress").count() == 100
    assert not ViewTask.objects.filter(status="done").exists()
    # the claim dies with its worker
    wait_until(lambda: not alive([claim_key(c) for c in claims]), timeout=5)
    assert settings_get_many(["viewstats.stale_after"])["viewstats.stale_after"] >= 600

    fake_vk.delay = 0
    second = worker_process(JOB_LOCK_TTL="2")
    try:
        took = wait_until(all_finished, timeout=120)
    finally:
        stop(second)
    assert took < 60, took
    assert ViewTask.objects.filter(id__in=ids, status="done").count() == 150
    # collected once each: one reading per task, VK asked for each post once after the kill
    assert ViewReading.objects.filter(task_id__in=ids).count() == 150
    assert len(fake_vk.calls) == 1 + 2
    assert not ViewTask.objects.filter(status="in progress").exists()
    assert not JobRun.objects.filter(status="running").exists()
