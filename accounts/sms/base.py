"""The SMS provider interface. The project ships only the sandbox implementation (docs/contracts.md,
Boundary): a real provider would implement this class in its own module."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class NumberGranted:
    provider_activation_id: str
    phone: str
    price: Decimal


@dataclass(frozen=True)
class CodePoll:
    """What the provider says about an activation: waiting, received (with code) or failed."""

    state: str  # "waiting" | "received" | "failed"
    code: str = ""
    error: str = ""


class SmsProvider(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def get_number(self, *, service: str, country: str, operator: str) -> NumberGranted:
        """Rent a number. Raises core.errors.ResourceExhausted (no numbers, no balance) or
        UpstreamError / Unavailable."""

    @abc.abstractmethod
    def poll_code(self, *, provider_activation_id: str) -> CodePoll:
        """Ask whether the code arrived. Must not block."""

    @abc.abstractmethod
    def cancel(self, *, provider_activation_id: str, refund: bool) -> None:
        """Give the number back (refunded when no code was delivered)."""

    @abc.abstractmethod
    def balance(self) -> Decimal:
        """The money left on the provider account."""
