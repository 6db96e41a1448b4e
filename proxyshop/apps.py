from django.apps import AppConfig


class ProxyshopConfig(AppConfig):
    name = "proxyshop"
    verbose_name = "Proxy shop"

    def ready(self) -> None:
        from celery.signals import beat_init

        from core.jobs import job_run_lost

        from . import settings_registry  # noqa: F401

        beat_init.connect(_apply_sync_schedule, dispatch_uid="proxyshop.sync_schedule")
        job_run_lost.connect(_sync_run_lost, dispatch_uid="proxyshop.sync_run_lost")


def _apply_sync_schedule(**kwargs) -> None:
    """At each start of beat: the sync's interval follows the configured minutes."""
    from .services.schedule import sync_schedule_apply

    sync_schedule_apply()


def _sync_run_lost(*, name: str, **kwargs) -> None:
    """A sync's worker was lost (core/jobs.py): its SyncRun is failed as well."""
    from .services.common import SYNC_JOB
    from .services.sync import sync_runs_fail_lost

    if name == SYNC_JOB:
        sync_runs_fail_lost()
