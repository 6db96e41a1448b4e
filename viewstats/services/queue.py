"""Putting tasks on the Celery queue: always per batch (≤100 VK posts per message), never per
link, and only after the transaction that created them commits."""

from __future__ import annotations

from django.db import transaction

from core.registry import setting_get

from ..models import Platform


def batch_size(platform: str) -> int:
    key = "viewstats.vk_batch_size" if platform == Platform.VK else "viewstats.telegram_batch_size"
    return int(setting_get(key))


def batches_enqueue(platform: str, task_ids: list[int], *, countdown: float = 0) -> int:
    """Send `task_ids` to the workers in batches once the current transaction commits; returns
    the number of messages."""
    from .. import tasks

    if not task_ids:
        return 0
    size = batch_size(platform)
    job = tasks.collect_vk_batch if platform == Platform.VK else tasks.collect_telegram_batch
    chunks = [task_ids[i : i + size] for i in range(0, len(task_ids), size)]

    def send() -> None:
        for chunk in chunks:
            # Celery reads None as no countdown (its stubs want a number).
            job.apply_async((chunk,), countdown=countdown or None)  # type: ignore[arg-type]

    # robust: the tasks are committed as "queued"; if the broker cannot take them now (Redis
    # down), the stale-task sweep (viewstats.requeue_stale) queues them again, so the request
    # that created them succeeds instead of inviting a duplicate retry.
    transaction.on_commit(send, robust=True)
    return len(chunks)
