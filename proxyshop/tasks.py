"""Thin Celery tasks of the proxy shop."""

from __future__ import annotations

import logging

from core.errors import Conflict, DomainError
from core.jobs import periodic_task, tracked_job

from .services.common import SYNC_JOB

REFUND_CHECK_JOB = "proxyshop.reconcile_refunds"

logger = logging.getLogger(__name__)


@periodic_task(name="proxyshop.sync_inventory", job=SYNC_JOB)
def sync_inventory_task(country_code: str | None = None) -> dict | None:
    """The periodic sync (beat row created by migration 0002). A run that finds another one
    holding the lock is recorded as skipped; a provider failure is recorded on its SyncRun."""
    from .services.sync import proxies_sync

    try:
        run = proxies_sync(trigger="beat", country_code=country_code)
    except Conflict:
        return None
    except DomainError as exc:  # logged (ERROR) and recorded by the service
        return {"error": exc.message}
    return {"sync_run": run.pk, "added": run.added, "updated": run.updated, "removed": run.removed}


@periodic_task(name="proxyshop.reconcile_refunds", job=REFUND_CHECK_JOB)
def reconcile_refunds_task() -> dict | None:
    """The periodic check of refunds the provider did not answer (beat row created by migration
    0004). The Redis lock only spares the provider overlapping runs: each order is settled under
    its own row lock, so overlapping runs or a customer's retry still credit at most once."""
    from .services.refund_settle import refunds_reconcile

    with tracked_job(REFUND_CHECK_JOB) as job:
        if job is None:
            return None
        job.result = refunds_reconcile(trigger="beat")
        return job.result
