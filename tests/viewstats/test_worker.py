"""Through a real Celery worker: the API enqueues batches, the worker collects them, the shared
rate limiter holds, and a worker killed mid-run loses no task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app as celery_app
from tests.viewstats.conftest import configure
from viewstats.models import ViewTask
from viewstats.services.task_lifecycle import tasks_requeue_stale, tasks_submit

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


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


def _worker_process() -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_run_loses_no_task(fake_vk, user, wait_for, all_finished):
    """acks_late keeps the batch's message unacknowledged while the worker runs it; the task
    rows stay "in progress" when the worker dies; the stale-task job returns them to the queue
    and a new worker finishes everything."""
    fake_vk.auto = True
    fake_vk.delay = 30  # the first worker hangs inside the VK call
    tasks = tasks_submit(
        user=user, platform="vk", links=[f"vk.com/wall-2_{i}" for i in range(1, 151)]
    )
    process = _worker_process()
    try:
        wait_for(
            lambda: ViewTask.objects.filter(status="in progress").exists() and fake_vk.calls,
            timeout=40,
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert ViewTask.objects.filter(status="in progress").count() == 100
    assert not ViewTask.objects.filter(status="done").exists()

    fake_vk.delay = 0
    configure(stale_after=1)
    time.sleep(1.2)
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ):
        assert tasks_requeue_stale()["returned"] == 100
        wait_for(all_finished)
    assert ViewTask.objects.filter(id__in=[t["id"] for t in tasks], status="done").count() == 150
