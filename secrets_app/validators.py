from django.contrib.auth.password_validation import MinimumLengthValidator


class ConfiguredMinimumLengthValidator(MinimumLengthValidator):
    """Minimum length from the security configuration (`security.password_min_length`)."""

    def __init__(self, min_length: int | None = None) -> None:
        super().__init__(min_length or 8)

    def _current(self) -> int:
        from core.registry import setting_get

        return setting_get("security.password_min_length")

    def validate(self, password, user=None):
        self.min_length = self._current()
        return super().validate(password, user)

    def get_help_text(self):
        self.min_length = self._current()
        return super().get_help_text()
