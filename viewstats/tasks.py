"""Thin Celery tasks: each takes task ids, calls a service, and re-queues what the service says.
Messages are acknowledged late (settings), so a worker killed mid-batch loses nothing: the
batch is redelivered, and the stale-task job returns its rows to the queue in any case."""

from __future__ import annotations

from celery import shared_task

from core.jobs import periodic_task, tracked_job
from viewstats.services.task_lifecycle import tasks_recollect_due, tasks_requeue_stale

from .models import Platform
from .services.collect import BatchReport, telegram_batch_collect, vk_batch_collect
from .services.queue import batches_enqueue

REQUEUE_JOB = "viewstats.requeue_stale"
RECOLLECT_JOB = "viewstats.recollect_due"


def _follow_up(platform: str, report: BatchReport) -> None:
    for part in report.splits:
        batches_enqueue(platform, part)
    if report.retry_ids:
        batches_enqueue(platform, report.retry_ids, countdown=report.retry_after)


@shared_task(name="viewstats.collect_vk_batch")
def collect_vk_batch(task_ids: list[int]) -> dict:
    report = vk_batch_collect(task_ids=task_ids)
    _follow_up(Platform.VK, report)
    return {"done": report.done, "failed": report.failed, "retry": len(report.retry_ids)}


@shared_task(name="viewstats.collect_telegram_batch")
def collect_telegram_batch(task_ids: list[int]) -> dict:
    report = telegram_batch_collect(task_ids=task_ids)
    _follow_up(Platform.TELEGRAM, report)
    return {"done": report.done, "failed": report.failed, "retry": len(report.retry_ids)}


@periodic_task(name="viewstats.requeue_stale", job=REQUEUE_JOB, on_worker_start=True)
def requeue_stale() -> dict | None:
    with tracked_job(REQUEUE_JOB) as job:
        if job is None:
            return None
        job.result = tasks_requeue_stale()
        return job.result


@periodic_task(name="viewstats.recollect_due", job=RECOLLECT_JOB)
def recollect_due() -> dict | None:
    with tracked_job(RECOLLECT_JOB) as job:
        if job is None:
            return None
        job.result = {"queued": tasks_recollect_due()}
        return job.result
