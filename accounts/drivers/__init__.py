"""Platform drivers (interfaces + the sandbox). See base.py for the boundary they enforce."""

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
from .registry import driver_for

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
