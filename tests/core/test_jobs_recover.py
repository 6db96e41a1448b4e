"""Periodic jobs (core/jobs.py): a lock that dies with its holder and is extended while the
job runs, runs whose holder is gone failed and redone, and `jobs_status` showing every job."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from core.jobs import jobs_recover, periodic_jobs, tracked_job
from core.locks import job_is_locked, job_lock
from core.models import JobRun
from core.redis import get_redis
from proxyshop.models import SyncRun

pytestmark = pytest.mark.django_db


def test_the_lock_is_extended_while_the_job_runs_and_released_after(settings):
    settings.JOB_LOCK_TTL = 1
    with tracked_job("demo.long") as first:
        time.sleep(2.2)  # more than twice the TTL: the heartbeat keeps it
        assert job_is_locked("demo.long")
        with tracked_job("demo.long") as second:
            assert second is None
        first.result = {"ok": True}
    assert not job_is_locked("demo.long")
    assert JobRun.objects.get(name="demo.long", status="success").result == {"ok": True}


def test_a_lock_taken_over_after_expiry_is_not_released_by_its_first_holder(settings):
    settings.JOB_LOCK_TTL = 1
    redis = get_redis()
    with job_lock("demo.job") as held:
        assert held
        key = next(iter(redis.scan_iter(match="*joblock:demo.job")))
        token = redis.get(key)
        redis.delete(key)  # as if it had expired
        with job_lock("demo.job") as other:
            assert other
            assert redis.get(key) != token
        assert not job_is_locked("demo.job")  # the second released its own
        with job_lock("demo.job") as third:
            assert third
            # the first holder's release at the end of its block leaves the third's lock alone
    assert not job_is_locked("demo.job")


def test_the_next_run_fails_a_run_whose_worker_was_lost():
    lost = JobRun.objects.create(name="demo.job")  # "running", and nobody holds the lock
    with tracked_job("demo.job") as run:
        run.result = {"n": 1}
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.finished_at
    assert lost.error.startswith("worker lost") and "the next run" in lost.error
    assert JobRun.objects.filter(name="demo.job", status="success").count() == 1


def test_the_sweep_fails_lost_runs_and_their_sync_and_queues_the_job_again():
    JobRun.objects.create(name="proxyshop.sync")
    sync = SyncRun.objects.create(trigger="beat")
    alive = JobRun.objects.create(name="demo.alive")
    with job_lock("demo.alive"):  # a live holder: left alone
        result = jobs_recover()
        assert jobs_recover() == {"lost": 0, "requeued": []}  # settled once
    assert result == {"lost": 1, "requeued": ["proxyshop.sync_inventory"]}
    sync.refresh_from_db()
    assert sync.status == "failed" and "Worker lost" in sync.error and sync.finished_at
    assert JobRun.objects.get(name="proxyshop.sync").status == "failed"
    alive.refresh_from_db()
    assert alive.status == "running"
    assert get_redis().llen("celery") == 1  # the sync's task, queued again


def test_every_beat_row_is_a_declared_job_and_every_declared_job_is_scheduled():
    declared = {job.task for job in periodic_jobs()}
    scheduled = set(PeriodicTask.objects.values_list("task", flat=True))
    assert declared == scheduled
    assert {"proxyshop.sync_inventory", "core.jobs_recover", "viewstats.requeue_stale"} <= declared


def test_jobs_status_shows_each_job_under_the_name_its_runs_use(capsys):
    with tracked_job("proxyshop.sync") as run:
        run.result = {"added": 3}
    JobRun.objects.create(name="secrets.purge_expired")  # left running by a lost worker
    call_command("jobs_status")
    out = capsys.readouterr().out
    assert "proxyshop: sync provider inventory [proxyshop.sync_inventory] enabled" in out
    assert "job proxyshop.sync: last run" in out and "success {'added': 3}" in out
    assert "job secrets.purge_expired: last run" in out
    assert "running now: 1 run(s), lock NOT held: worker lost" in out
    for job in periodic_jobs():
        assert f"[{job.task}]" in out and f"job {job.job}:" in out


def test_redelivery_and_stale_thresholds_are_above_the_task_hard_time_limit():
    from config.celery import app
    from core.registry import setting_get

    limit = app.conf.task_time_limit
    options = app.conf.broker_transport_options
    # an unacknowledged message comes back only once no worker can still be running it
    assert limit < options["visibility_timeout"] <= limit + 120
    assert options["unacked_restore_interval"] <= 10 and options["unacked_restore_throttle"] == 1
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert limit < setting_get("viewstats.stale_after") <= limit + 120


def test_a_job_lost_twice_in_a_row_is_left_to_its_schedule():
    JobRun.objects.create(name="proxyshop.sync")
    assert jobs_recover()["requeued"] == ["proxyshop.sync_inventory"]
    JobRun.objects.create(name="proxyshop.sync")  # the redone run took its worker down too
    assert jobs_recover() == {"lost": 1, "requeued": []}
    assert get_redis().llen("celery") == 1
