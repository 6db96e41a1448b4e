"""DRF permission classes over the one authority check (`core.authority`).

They run before the view reads any input, so an unauthorized caller gets 401 (no credentials) or
403 whatever it sent and whether or not what it names exists. `request.auth` is the token
context of a token-authenticated request (None for a session).
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.authority import POWERS, authority_require
from core.errors import PermissionDenied


class HasPower(BasePermission):
    """Callers holding `read_power` for safe methods (GET, HEAD, OPTIONS) and `write_power` for
    the others. Subclass with `Requires(...)`."""

    read_power = ""
    write_power = ""
    message = "You do not have permission to perform this action."

    def power_for(self, method: str) -> str:
        return self.read_power if method in SAFE_METHODS else self.write_power

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 for a caller that sent no valid credentials
        token = getattr(request, "auth", None)
        try:
            authority_require(
                user=user, token=token, power=self.power_for(request.method), message=self.message
            )
        except PermissionDenied:
            return False  # audited by authority_require
        return True


def Requires(read_power: str, write_power: str | None = None) -> type[HasPower]:  # noqa: N802
    """A permission class for one power (or one for reads and one for writes)."""
    write = write_power or read_power
    assert read_power in POWERS and write in POWERS, (read_power, write)
    name = f"Requires_{read_power.replace('.', '_')}_{write.replace('.', '_')}"
    return type(name, (HasPower,), {"read_power": read_power, "write_power": write})
