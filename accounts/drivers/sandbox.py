"""The sandbox driver: a deterministic simulation of a platform, for tests and demos.

Outcomes are a pure function of (seed, platform, task, action index): the same seed replays
the same run. The success rate and the simulated latency come from the settings registry.
It never opens a network connection.
"""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal

from .base import (
    AccountStatusResult,
    ActionRequest,
    ActionResult,
    PlatformDriver,
    ProxyRef,
    RegisterRequest,
    RegisterResult,
)

SIMULATED_ERRORS = (
    "sandbox: rate limited",
    "sandbox: content unavailable",
    "sandbox: captcha required",
    "sandbox: temporary error",
)


def unit_draw(*parts: object) -> float:
    """A number in [0, 1) derived only from `parts` (stable across processes and runs)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class SandboxDriver(PlatformDriver):
    name = "sandbox"

    def __init__(
        self,
        *,
        platform: str,
        seed: int = 0,
        success_rate: Decimal | float = 1,
        latency_ms: int = 0,
        ban_rate: Decimal | float = 0,
    ) -> None:
        super().__init__(platform=platform)
        self.seed = seed
        self.success_rate = float(success_rate)
        self.latency_ms = max(0, int(latency_ms))
        self.ban_rate = float(ban_rate)

    def _latency(self, *key: object) -> int:
        if not self.latency_ms:
            return 0
        # Jitter of +-50% around the configured latency, also deterministic.
        ms = int(self.latency_ms * (0.5 + unit_draw(self.seed, "latency", *key)))
        time.sleep(ms / 1000)
        return ms

    def execute_action(self, *, request: ActionRequest) -> ActionResult:
        key = (self.platform, request.task_id, request.action_index)
        duration = self._latency(*key)
        draw = unit_draw(self.seed, "action", *key)
        if draw < self.success_rate:
            return ActionResult(
                success=True,
                action_type=request.action_type,
                duration_ms=duration,
                data={
                    "sandbox": "true",
                    "proxy_id": str(request.proxy.id if request.proxy else ""),
                },
            )
        error = SIMULATED_ERRORS[int(unit_draw(self.seed, "error", *key) * len(SIMULATED_ERRORS))]
        return ActionResult(
            success=False,
            action_type=request.action_type,
            duration_ms=duration,
            error=error,
            data={"sandbox": "true"},
        )

    def register(self, *, request: RegisterRequest) -> RegisterResult:
        draw = unit_draw(self.seed, "register", self.platform, request.login)
        self._latency("register", request.login)
        if draw < self.success_rate:
            external = hashlib.sha256(f"{self.seed}:{self.platform}:{request.login}".encode())
            return RegisterResult(success=True, external_id=f"sandbox-{external.hexdigest()[:16]}")
        return RegisterResult(success=False, error="sandbox: registration refused")

    def check_account_status(
        self, *, platform: str, account_id: int, login: str, proxy: ProxyRef | None = None
    ) -> AccountStatusResult:
        draw = unit_draw(self.seed, "status", platform, account_id)
        if draw < self.ban_rate:
            return AccountStatusResult(status="banned", detail="sandbox: simulated ban")
        return AccountStatusResult(status="active")
