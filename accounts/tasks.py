"""Thin Celery tasks of the fleet: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from core.jobs import tracked_job
from core.registry import setting_get


@shared_task(name="accounts.sms_poll")
def sms_poll_task(activation_id: str) -> None:
    """Poll the SMS provider for one activation; re-schedule itself until it settles."""
    from .services.sms import sms_poll

    if not sms_poll(activation_id=activation_id):
        interval = float(setting_get("accounts.sms_poll_interval"))
        sms_poll_task.apply_async((activation_id,), countdown=interval)


@shared_task(name="accounts.proxies_check_health")
def proxies_check_health_task() -> None:
    """Beat job: health-check the pool; one run at a time."""
    from .services.proxy_health import proxies_check_all

    with tracked_job("accounts.proxies_check_health", lock_ttl=600) as job:
        if job is not None:
            job.result = proxies_check_all()


@shared_task(name="accounts.sms_expire")
def sms_expire_task() -> None:
    """Beat job: poll activations whose poll chain was lost; fail those past expiry."""
    from .services.sms import sms_activations_sweep

    with tracked_job("accounts.sms_expire", lock_ttl=300) as job:
        if job is not None:
            job.result = sms_activations_sweep()
