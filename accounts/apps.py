from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Account fleet"

    def ready(self) -> None:
        from . import settings_registry  # noqa: F401
