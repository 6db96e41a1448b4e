from django.apps import AppConfig


class ProxyshopConfig(AppConfig):
    name = "proxyshop"
    verbose_name = "Proxy shop"

    def ready(self) -> None:
        from . import settings_registry  # noqa: F401
