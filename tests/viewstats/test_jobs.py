"""Periodic jobs exist after migrate; the job tasks run the services under a lock."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app
from core.models import JobRun
from tests.viewstats.factories import ViewTaskFactory
from viewstats import demo, tasks
from viewstats.models import ViewTask

pytestmark = pytest.mark.django_db


def test_beat_rows_exist_with_expiry_shorter_than_period():
    jobs = {p.task: p for p in PeriodicTask.objects.filter(task__startswith="viewstats.")}
    assert set(jobs) == {"viewstats.requeue_stale", "viewstats.recollect_due"}
    for job in jobs.values():
        assert job.enabled and job.expire_seconds < job.interval.every
        assert job.task in app.tasks


def test_requeue_job_records_a_run_and_returns_stale_tasks(django_capture_on_commit_callbacks):
    task = ViewTaskFactory(
        status="in progress", attempts=1, started_at=timezone.now() - timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        result = tasks.requeue_stale()
    assert result["returned"] == 1 and len(callbacks) == 1
    task.refresh_from_db()
    assert task.status == "created"
    assert JobRun.objects.filter(name="viewstats.requeue_stale", status="success").exists()


def test_recollect_job_queues_due_tasks(django_capture_on_commit_callbacks):
    ViewTaskFactory(status="done", views=1, next_collect_at=timezone.now() - timedelta(minutes=1))
    ViewTaskFactory(status="done", views=1, next_collect_at=timezone.now() + timedelta(hours=1))
    with django_capture_on_commit_callbacks():
        assert tasks.recollect_due() == {"queued": 1}
    assert ViewTask.objects.filter(status="created").count() == 1


def test_demo_seed_is_idempotent():
    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert ViewTask.objects.filter(user__username="analyst").count() == 7


def test_submit_command_reads_links_and_refuses_bad_ones(tmp_path, user):
    from django.core.management import CommandError, call_command

    good = tmp_path / "links.txt"
    good.write_text("vk.com/wall-1_2\nhttps://m.vk.com/wall-1_3\n")
    out = io.StringIO()
    call_command("viewstats_submit", str(good), user=user.username, stdout=out)
    assert "2 task(s) queued" in out.getvalue()
    bad = tmp_path / "bad.txt"
    bad.write_text("nope\n")
    with pytest.raises(CommandError):
        call_command("viewstats_submit", str(bad), user=user.username, stderr=io.StringIO())
    assert ViewTask.objects.filter(user=user).count() == 2
