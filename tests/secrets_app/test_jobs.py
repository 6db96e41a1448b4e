"""Periodic-job helpers: the Redis lock, JobRun records and `jobs_status`."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app
from core.jobs import tracked_job
from core.locks import job_lock
from core.models import JobRun

pytestmark = pytest.mark.django_db


def test_a_second_run_is_skipped_while_the_first_holds_the_lock():
    with tracked_job("demo.job") as first:
        assert first is not None
        with tracked_job("demo.job") as second:
            assert second is None
        first.result = {"added": 3}
    runs = list(JobRun.objects.filter(name="demo.job").order_by("started_at", "id"))
    assert sorted(r.status for r in runs) == ["skipped", "success"]
    assert JobRun.objects.get(name="demo.job", status="success").result == {"added": 3}
    with job_lock("demo.job", 60) as acquired:  # released after the run
        assert acquired


def test_a_failing_run_is_recorded_with_its_error():
    with pytest.raises(RuntimeError), tracked_job("demo.failing"):
        raise RuntimeError("upstream exploded")
    run = JobRun.objects.get(name="demo.failing")
    assert run.status == "failed"
    assert "upstream exploded" in run.error
    assert run.finished_at is not None


def test_jobs_status_shows_schedule_and_last_result(capsys):
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="demo sync", task="demo.job", interval=every)
    with tracked_job("demo.job") as run:
        run.result = {"added": 7}
    call_command("jobs_status")
    out = capsys.readouterr().out
    assert "demo sync [demo.job] enabled, every 5 minutes" in out
    assert "success {'added': 7}" in out


def test_celery_is_configured_for_safe_delivery():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
