"""Thin Celery tasks of the shop bot."""

from __future__ import annotations

import math

from celery import shared_task

from core.jobs import periodic_task
from core.registry import setting_get

from .botapi import RetryLater, Unavailable

PURGE_JOB = "shopbot.purge"


@shared_task(bind=True, name="shopbot.send_alert", ignore_result=True, max_retries=None)
def send_alert_task(self, delivery_id: int) -> str:
    """Send one operator alert; a 429 is retried after its retry_after, a network error after
    a growing pause, up to `telegram.alert_max_retries`; a 403 gives up at once."""
    from .services.alerts import alert_deliver

    final = self.request.retries >= setting_get("telegram.alert_max_retries")
    try:
        return alert_deliver(delivery_id=delivery_id, final_attempt=final)
    except RetryLater as exc:
        raise self.retry(countdown=max(math.ceil(exc.retry_after), 1))
    except Unavailable:
        raise self.retry(countdown=min(2**self.request.retries, 300))


@periodic_task(name="shopbot.purge", job=PURGE_JOB)
def purge_task() -> dict | None:
    """Daily (beat row from migration 0002): forget old update ids and bot errors."""
    from core.jobs import tracked_job

    from .services.updates import updates_purge

    with tracked_job(PURGE_JOB) as job:
        if job is None:
            return None
        job.result = updates_purge(days=setting_get("telegram.keep_updates_days"))
        return job.result
