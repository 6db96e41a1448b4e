from django.apps import AppConfig


class SecretsAppConfig(AppConfig):
    name = "secrets_app"
    verbose_name = "Identity, tokens and secrets"

    def ready(self) -> None:
        from . import registry_kv, signals  # noqa: F401
        from .services import policies  # noqa: F401  (connects the cache invalidation)
