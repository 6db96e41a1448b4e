"""The sync's beat schedule follows the configured interval at every start of beat.

Migration 0002 creates the row once; `sync_schedule_apply` (run when beat starts, see
`proxyshop.apps`) sets its interval to `proxyshop.sync_interval_minutes` (an admin's stored
value, else `EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES`), so a changed variable applies at the next
start instead of only at the first migrate. It logs a "scheduler:" line either way.
"""

from __future__ import annotations

import logging

from django.db import transaction

from core.registry import setting_get

from ..selectors import SYNC_TASK_NAME

logger = logging.getLogger("proxyshop.scheduler")


def sync_schedule_apply() -> int | None:
    """Set the sync row's interval to the configured minutes; returns them (None when the row
    is gone: an operator deleted the schedule, which is left as it is)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    minutes = max(int(setting_get("proxyshop.sync_interval_minutes")), 1)
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update().filter(name=SYNC_TASK_NAME).first()
        if task is None:
            logger.warning("scheduler: external proxy sync has no schedule row; not scheduled")
            return None
        before = (
            task.interval.every if task.interval and task.interval.period == "minutes" else None
        )
        if before != minutes:
            interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
            task.interval = interval
            task.expire_seconds = max(minutes * 60 - 30, 30)
            task.save()  # django-celery-beat notes the change; a running beat reloads it
    if before == minutes:
        logger.info("scheduler: external proxy sync every %d minute(s)", minutes)
    else:
        logger.info("scheduler: external proxy sync every %d minute(s) (was %s)", minutes, before)
    return minutes
