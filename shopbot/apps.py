from django.apps import AppConfig


class ShopbotConfig(AppConfig):
    name = "shopbot"
    verbose_name = "Shop bot (Telegram)"

    def ready(self) -> None:
        from . import alerts, settings_registry  # noqa: F401  (registers settings and receivers)
