"""Celery tasks of the secrets store (thin: they call services)."""

from __future__ import annotations

from celery import shared_task

from core.jobs import tracked_job

from .services.purge import secrets_purge_expired

PURGE_JOB = "secrets.purge_expired"


@shared_task(name="secrets_app.purge_expired")
def purge_expired() -> dict | None:
    with tracked_job(PURGE_JOB, lock_ttl=600) as job:
        if job is None:
            return None
        job.result = secrets_purge_expired()
        return job.result
