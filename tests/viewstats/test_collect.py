"""Collection rules, calling the service as the worker does (the HTTP path runs for real)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from tests.viewstats.conftest import configure
from viewstats.models import UpstreamCredential, ViewReading, ViewTask
from viewstats.services.collect import telegram_batch_collect, vk_batch_collect
from viewstats.services.task_lifecycle import tasks_recollect_due, tasks_requeue_stale, tasks_submit

pytestmark = pytest.mark.django_db


def submit(n=3, platform="vk", user=None):
    user = user or UserFactory()
    links = (
        [f"vk.com/wall-1_{i}" for i in range(1, n + 1)]
        if platform == "vk"
        else [f"t.me/chan_one/{i}" for i in range(1, n + 1)]
    )
    return [t["id"] for t in tasks_submit(user=user, platform=platform, links=links)]


def statuses(ids):
    return dict(ViewTask.objects.filter(id__in=ids).values_list("id", "status"))


def test_one_call_for_a_batch_and_absent_posts_fail_with_reason(fake_vk):
    ids = submit(3)
    fake_vk.add_post(-1, 1, views=987)
    fake_vk.add_post(-1, 2, views=None)
    report = vk_batch_collect(task_ids=ids)
    assert len(fake_vk.calls) == 1 and report.done == 1 and report.failed == 2
    tasks = {t.post_key: t for t in ViewTask.objects.all()}
    assert tasks["-1_1"].status == "done" and tasks["-1_1"].views == 987
    assert tasks["-1_1"].posted_at is not None
    assert tasks["-1_3"].status == "failed" and "not found" in tasks["-1_3"].error
    assert tasks["-1_2"].status == "failed" and "no view count" in tasks["-1_2"].error
    assert ViewReading.objects.get().views == 987


def test_a_task_not_queued_is_not_collected_twice(fake_vk):
    ids = submit(1)
    fake_vk.add_post(-1, 1, views=5)
    vk_batch_collect(task_ids=ids)
    vk_batch_collect(task_ids=ids)
    assert len(fake_vk.calls) == 1 and ViewReading.objects.count() == 1


def test_error_6_retries_with_backoff_then_succeeds(fake_vk):
    ids = submit(2)
    fake_vk.add_post(-1, 1, views=1)
    fake_vk.add_post(-1, 2, views=2)
    fake_vk.fail_next(6)
    configure(retry_backoff=3)
    report = vk_batch_collect(task_ids=ids)
    assert sorted(report.retry_ids) == sorted(ids) and report.retry_after == 3
    assert set(statuses(ids).values()) == {"created"}
    assert "rate limit" in ViewTask.objects.first().error
    assert vk_batch_collect(task_ids=ids).done == 2
    assert UpstreamCredential.objects.get().last_error_code == 6


def test_persistent_error_6_fails_after_max_attempts(fake_vk):
    ids = submit(1)
    configure(max_attempts=3)
    fake_vk.fail_next(6, times=10)
    for _ in range(3):
        vk_batch_collect(task_ids=ids)
    task = ViewTask.objects.get()
    assert task.status == "failed" and "Gave up after 3 attempts" in task.error
    assert len(fake_vk.calls) == 3


def test_network_errors_retry_then_fail(fake_vk):
    ids = submit(1)
    configure(max_attempts=2, vk_timeout="0.2")
    fake_vk.delay = 0.6
    assert vk_batch_collect(task_ids=ids).retry_ids == ids
    vk_batch_collect(task_ids=ids)
    task = ViewTask.objects.get()
    assert task.status == "failed" and "Network error" in task.error


def test_error_29_pauses_the_token_and_the_next_token_is_used(fake_vk):
    configure(vk_tokens=["tok-alpha-1111", "tok-bravo-2222"])
    ids = submit(1)
    fake_vk.add_post(-1, 1, views=7)
    fake_vk.fail_next(29, token="tok-alpha-1111", times=5)
    fake_vk.fail_next(29, token="tok-bravo-2222", times=5)
    first = vk_batch_collect(task_ids=ids)
    # One token rests, the other is free: the batch is back in the queue at once, no attempt lost.
    assert first.retry_ids == ids and first.retry_after == 0
    assert ViewTask.objects.get().attempts == 0
    second = vk_batch_collect(task_ids=ids)
    # Both rest now: the batch waits about the pause.
    assert second.retry_after > 500
    assert len(fake_vk.calls) == 2
    assert {r.body.split(b"access_token=")[1] for r in fake_vk.calls} == {
        b"tok-alpha-1111",
        b"tok-bravo-2222",
    }
    assert vk_batch_collect(task_ids=ids).retry_after > 500
    assert len(fake_vk.calls) == 2  # nobody calls VK while every token rests


def test_tokens_are_used_in_turn(fake_vk):
    configure(vk_tokens=["tok-alpha-1111", "tok-bravo-2222"])
    for _ in range(4):
        ids = submit(1)
        vk_batch_collect(task_ids=ids)
    used = [r.body.split(b"access_token=")[1] for r in fake_vk.calls]
    assert used.count(b"tok-alpha-1111") == 2 and used.count(b"tok-bravo-2222") == 2


def test_error_5_fails_the_batch_and_shows_the_token_error_to_admins(fake_vk):
    fake_vk.valid_tokens = {"someone-else"}
    ids = submit(2)
    report = vk_batch_collect(task_ids=ids)
    assert report.failed == 2
    task = ViewTask.objects.first()
    assert "…1111" in task.error and "refused" in task.error
    assert "tok-alpha-1111" not in task.error
    credential = UpstreamCredential.objects.get()
    assert credential.last_error_code == 5 and credential.invalid
    assert credential.label == "…1111" and "tok-alpha" not in credential.fingerprint


@pytest.mark.parametrize("code, words", [(15, "access denied"), (18, "deleted"), (30, "private")])
def test_access_errors_fail_only_the_post_concerned(fake_vk, code, words):
    ids = submit(4)
    for i in range(1, 5):
        fake_vk.add_post(-1, i, views=i * 10)
    fake_vk.post_errors[(-1, 3)] = code
    pending = [ids]
    while pending:
        report = vk_batch_collect(task_ids=pending.pop())
        pending += report.splits
    tasks = {t.post_key: t for t in ViewTask.objects.all()}
    assert tasks["-1_3"].status == "failed" and words in tasks["-1_3"].error
    assert all(tasks[f"-1_{i}"].status == "done" for i in (1, 2, 4))


def test_no_token_configured_fails_loudly(fake_vk):
    configure(vk_tokens=[])
    ids = submit(1)
    vk_batch_collect(task_ids=ids)
    assert "No VK token" in ViewTask.objects.get().error


def test_telegram_collection_lifecycle(fake_tg):
    fake_tg.add_post("chan_one", 1, "12.3K")
    fake_tg.add_post("chan_one", 2, None)
    fake_tg.add_post("chan_one", 3, "987")
    ids = submit(4, platform="telegram")
    report = telegram_batch_collect(task_ids=ids)
    assert report.done == 2 and report.failed == 2
    tasks = {t.post_key: t for t in ViewTask.objects.all()}
    assert tasks["chan_one/1"].views == 12300 and tasks["chan_one/3"].views == 987
    assert "no view counter" in tasks["chan_one/2"].error
    assert "not found" in tasks["chan_one/4"].error


def test_telegram_network_errors_retry(fake_tg):
    fake_tg.add_post("chan_one", 1, "1.2M")
    fake_tg.fail_next(503)
    ids = submit(1, platform="telegram")
    assert telegram_batch_collect(task_ids=ids).retry_ids == ids
    telegram_batch_collect(task_ids=ids)
    assert ViewTask.objects.get().views == 1_200_000


def test_stale_in_progress_tasks_return_to_the_queue(fake_vk):
    ids = submit(2)
    ViewTask.objects.filter(id=ids[0]).update(
        status="in progress", started_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    ViewTask.objects.filter(id=ids[1]).update(status="in progress", started_at=timezone.now())
    result = tasks_requeue_stale()
    assert result["returned"] == 1
    assert statuses(ids) == {ids[0]: "created", ids[1]: "in progress"}


def test_stale_task_that_exhausted_attempts_fails(fake_vk):
    ids = submit(1)
    configure(max_attempts=2)
    ViewTask.objects.filter(id=ids[0]).update(
        status="in progress", started_at=timezone.now() - timedelta(hours=1), attempts=2
    )
    assert tasks_requeue_stale()["failed"] == 1
    assert ViewTask.objects.get().status == "failed"


def test_late_result_of_a_stale_run_does_not_overwrite(fake_vk):
    from viewstats.services import collect

    ids = submit(1)
    claim = uuid.uuid4()
    claimed = collect._claim(claim, ids)
    ViewTask.objects.filter(id=ids[0]).update(started_at=timezone.now() - timedelta(hours=1))
    tasks_requeue_stale()
    fake_vk.add_post(-1, 1, views=50)
    vk_batch_collect(task_ids=ids)  # the re-queued run
    cfg = collect.settings_get_many(collect.VK_KEYS)
    collect._finish(claim, claimed, {ids[0]: collect.Outcome("done", views=1)}, cfg)
    assert ViewTask.objects.get().views == 50


def test_periodic_recollection_builds_a_history(fake_vk, user, auth_client):
    fake_vk.add_post(-1, 1, views=100)
    row = tasks_submit(
        user=user, platform="vk", links=["vk.com/wall-1_1"], recollect_interval=3600
    )[0]
    task = ViewTask.objects.get(id=row["id"])
    vk_batch_collect(task_ids=[task.id])
    task.refresh_from_db()
    assert task.next_collect_at > timezone.now()
    assert tasks_recollect_due() == 0
    later = timezone.now() + timedelta(hours=2)
    assert tasks_recollect_due(now=later) == 1
    fake_vk.add_post(-1, 1, views=130)
    vk_batch_collect(task_ids=[task.id])
    history = auth_client(user).get(f"/api/viewstats/tasks/{task.id}/history").json()
    assert [r["views"] for r in history["readings"]] == [100, 130]
    assert [r["change"] for r in history["readings"]] == [None, 30]
    assert history["change"] == 30


def test_global_recollect_interval_applies_without_a_task_interval(fake_vk):
    configure(recollect_interval=600)
    ids = submit(1)
    fake_vk.add_post(-1, 1, views=1)
    vk_batch_collect(task_ids=ids)
    task = ViewTask.objects.get()
    assert 590 < (task.next_collect_at - task.collected_at).total_seconds() <= 600
