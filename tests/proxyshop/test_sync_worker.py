"""A provider sync whose worker is killed (SIGKILL) mid-sync, through real Celery workers: the
lock dies with its holder, the run is failed as "worker lost", and the next worker redoes the
sync at once; nothing is applied twice and no row is left "running"."""

from __future__ import annotations

import time

import pytest

from core.locks import job_is_locked
from core.models import JobRun
from proxyshop.models import Product, SyncRun
from proxyshop.services.common import SYNC_JOB
from proxyshop.tasks import sync_inventory_task
from tests.celery_worker import kill, stop, wait_until, worker_process
from tests.proxyshop.conftest import configure

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sync_killed_mid_fetch_is_failed_and_redone_by_the_next_worker(provider):
    provider.add_proxies(30)
    configure(sync_page_size=10, timeout="60")
    provider.fail("list", delay=40, page=1, apply=True)  # the first worker hangs on page 1
    sync_inventory_task.delay()
    first = worker_process(JOB_LOCK_TTL="6")
    try:
        wait_until(
            lambda: (
                SyncRun.objects.filter(status="running").exists()
                and len(provider.calls("list")) >= 2
            ),
            timeout=60,
        )
        assert job_is_locked(SYNC_JOB)
    finally:
        kill(first)
    assert JobRun.objects.get(name=SYNC_JOB).status == "running"
    assert Product.objects.count() == 0  # nothing of the killed sync was applied
    # a replacement starts at once, while the dead worker's lock may still be alive: its
    # start-up sweep runs again once the lock has surely expired
    started = time.monotonic()
    second = worker_process(JOB_LOCK_TTL="6")
    try:
        # the lock dies with its holder (JOB_LOCK_TTL), not after a long fixed TTL
        wait_until(lambda: not job_is_locked(SYNC_JOB), timeout=8)
        wait_until(lambda: SyncRun.objects.filter(status="success").exists(), timeout=90)
        took = time.monotonic() - started
    finally:
        stop(second)
    assert took < 60, took
    lost, redone = SyncRun.objects.order_by("sync_time", "id")
    assert lost.status == "failed" and "Worker lost" in lost.error and lost.finished_at
    assert (redone.status, redone.added) == ("success", 30)
    runs = dict(JobRun.objects.filter(name=SYNC_JOB).values_list("status", "error"))
    assert set(runs) == {"failed", "success"} and "worker lost" in runs["failed"]
    assert Product.objects.count() == 30
    assert Product.objects.values("proxy_id").distinct().count() == 30
    assert not SyncRun.objects.filter(status="running").exists()
    assert not JobRun.objects.filter(status="running").exists()


def test_a_sync_paused_past_its_lock_does_not_apply_its_stale_snapshot(provider):
    """A worker paused (SIGSTOP: a stalled VM, a frozen Redis) longer than JOB_LOCK_TTL loses
    its lock; the next sync declares its run lost, takes over and applies the provider's current
    list. When the paused worker resumes it must not apply the list it fetched before: that put
    proxies which had gone offline meanwhile (back) on sale."""
    import signal

    from proxyshop.models import ProductState
    from proxyshop.services import proxies_sync

    provider.add_proxies(30)
    configure(sync_page_size=10, timeout="60")
    provider.fail("list", delay=6, page=2, apply=True)  # the last page, answered 6 s late
    sync_inventory_task.delay()
    first = worker_process(JOB_LOCK_TTL="2")
    try:
        wait_until(lambda: len(provider.calls("list")) >= 3, timeout=60)
        first.send_signal(signal.SIGSTOP)  # it holds all 30 as online, not applied yet
        lost_run = JobRun.objects.get(name=SYNC_JOB, status="running")
        for proxy_id in sorted(provider.items)[:10]:
            provider.set_online(proxy_id, False)
        wait_until(lambda: not job_is_locked(SYNC_JOB), timeout=10)
        proxies_sync(trigger="manual")  # the next run: declares the paused one lost
        assert Product.objects.filter(state=ProductState.AVAILABLE).count() == 20
        lost_run.refresh_from_db()
        assert lost_run.status == "failed" and "worker lost" in lost_run.error
        first.send_signal(signal.SIGCONT)
        wait_until(
            lambda: (
                JobRun.objects.filter(pk=lost_run.pk, error__contains="did not apply").exists()
                or JobRun.objects.filter(pk=lost_run.pk, status="success").exists()
            ),
            timeout=30,
        )
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
        stop(first)
    assert Product.objects.filter(state=ProductState.AVAILABLE).count() == 20
    lost_run.refresh_from_db()
    assert lost_run.status == "failed", lost_run.error
    assert not SyncRun.objects.filter(status="success").exclude(trigger="manual").exists()
