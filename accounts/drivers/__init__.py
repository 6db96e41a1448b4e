"""Platform drivers (interfaces + the sandbox). See base.py for the boundary they enforce."""

from accounts.drivers.routing import driver_for

from .base import (
    AccountStatusResult,
    ActionDriver,
    ActionRequest,
    ActionResult,
    PlatformDriver,
    ProxyRef,
    RegisterRequest,
    RegisterResult,
    RegistrationDriver,
    StatusCheckDriver,
)

__all__ = [
    "AccountStatusResult",
    "ActionDriver",
    "ActionRequest",
    "ActionResult",
    "PlatformDriver",
    "ProxyRef",
    "RegisterRequest",
    "RegisterResult",
    "RegistrationDriver",
    "StatusCheckDriver",
    "driver_for",
]
