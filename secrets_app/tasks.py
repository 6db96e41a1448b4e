"""Celery tasks of the secrets store (thin: they call services)."""

from __future__ import annotations

from core.jobs import periodic_task, tracked_job

from .services.purge import secrets_purge_expired

PURGE_JOB = "secrets.purge_expired"


@periodic_task(name="secrets_app.purge_expired", job=PURGE_JOB)
def purge_expired() -> dict | None:
    with tracked_job(PURGE_JOB) as job:
        if job is None:
            return None
        job.result = secrets_purge_expired()
        return job.result
