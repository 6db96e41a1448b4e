from django.apps import AppConfig


class WarmingConfig(AppConfig):
    name = "accounts.warming"
    label = "warming"
    verbose_name = "Account warming"

    def ready(self) -> None:
        from . import settings_registry  # noqa: F401
