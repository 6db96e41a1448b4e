"""Driver interfaces: every action on a third-party platform goes through one of these.

One interface per capability, so a platform may implement some and not others:
registration, executing a warming action, and checking an account's standing. The project
ships sandbox implementations only (`accounts.drivers.sandbox`); there is deliberately no
driver that talks to a real social network.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProxyRef:
    """The account's proxy as a driver sees it (no password: drivers that need it load it)."""

    id: int
    protocol: str
    host: str
    port: int


@dataclass(frozen=True)
class ActionRequest:
    platform: str
    account_id: int
    login: str
    action_type: str
    params: dict[str, str] = field(default_factory=dict)
    proxy: ProxyRef | None = None
    # What makes a call reproducible: the warming task and the action's index within it.
    task_id: int = 0
    action_index: int = 0


@dataclass(frozen=True)
class ActionResult:
    """The contract's ExecuteActionResponse: success, error, and ActionResult(duration_ms, data)."""

    success: bool
    action_type: str
    duration_ms: int
    error: str = ""
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterRequest:
    platform: str
    login: str
    phone: str = ""
    proxy: ProxyRef | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterResult:
    success: bool
    external_id: str = ""
    error: str = ""
    data: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountStatusResult:
    """The platform's view of an account: `active`, `banned` or `suspended`."""

    status: str
    detail: str = ""


class RegistrationDriver(abc.ABC):
    @abc.abstractmethod
    def register(self, *, request: RegisterRequest) -> RegisterResult:
        """Create an account on the platform."""


class ActionDriver(abc.ABC):
    @abc.abstractmethod
    def execute_action(self, *, request: ActionRequest) -> ActionResult:
        """Perform one action as the account. Never raises for a platform refusal: the refusal
        is a result with success=False and an error."""


class StatusCheckDriver(abc.ABC):
    @abc.abstractmethod
    def check_account_status(
        self, *, platform: str, account_id: int, login: str, proxy: ProxyRef | None = None
    ) -> AccountStatusResult:
        """Ask the platform whether the account is usable."""


class PlatformDriver(RegistrationDriver, ActionDriver, StatusCheckDriver, abc.ABC):
    """A driver offering every capability for one platform."""

    name: str = ""

    def __init__(self, *, platform: str) -> None:
        self.platform = platform
