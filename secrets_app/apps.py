from django.apps import AppConfig


class SecretsAppConfig(AppConfig):
    name = "secrets_app"
    verbose_name = "Identity, tokens and secrets"

    def ready(self) -> None:
        from . import registry_defaults, signals  # noqa: F401
