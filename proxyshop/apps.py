from django.apps import AppConfig


class ProxyshopConfig(AppConfig):
    name = "proxyshop"
    verbose_name = "Proxy shop"

    def ready(self) -> None:
        from celery.signals import beat_init

        from . import settings_registry  # noqa: F401

        beat_init.connect(_apply_sync_schedule, dispatch_uid="proxyshop.sync_schedule")


def _apply_sync_schedule(**kwargs) -> None:
    """At each start of beat: the sync's interval follows the configured minutes."""
    from .services.schedule import sync_schedule_apply

    sync_schedule_apply()
