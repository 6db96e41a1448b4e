from django.apps import AppConfig


class ViewstatsConfig(AppConfig):
    name = "viewstats"
    verbose_name = "View statistics"

    def ready(self) -> None:
        from . import settings_registry  # noqa: F401
