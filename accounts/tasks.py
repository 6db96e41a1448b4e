"""Thin Celery tasks of the fleet: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from core.jobs import periodic_task, tracked_job
from core.registry import setting_get

HEALTH_JOB = "accounts.proxies_check_health"
SMS_EXPIRE_JOB = "accounts.sms_expire"


@shared_task(name="accounts.sms_poll")
def sms_poll_task(activation_id: str) -> None:
    """Poll the SMS provider for one activation; re-schedule itself until it settles."""
    from .services.sms import sms_poll

    if not sms_poll(activation_id=activation_id):
        interval = float(setting_get("accounts.sms_poll_interval"))
        sms_poll_task.apply_async((activation_id,), countdown=interval)


@periodic_task(name="accounts.proxies_check_health", job=HEALTH_JOB)
def proxies_check_health_task() -> None:
    """Beat job: health-check the pool; one run at a time."""
    from .services.proxy_health import proxies_check_all

    with tracked_job(HEALTH_JOB) as job:
        if job is not None:
            job.result = proxies_check_all()


@periodic_task(name="accounts.sms_expire", job=SMS_EXPIRE_JOB)
def sms_expire_task() -> None:
    """Beat job: poll activations whose poll chain was lost; fail those past expiry."""
    from .services.sms import sms_activations_sweep

    with tracked_job(SMS_EXPIRE_JOB) as job:
        if job is not None:
            job.result = sms_activations_sweep()
