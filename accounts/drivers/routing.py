"""Which driver serves which platform: `driver_for(platform)` reads `accounts.driver.<platform>`.

Only the sandbox is registered; adding a driver means adding a class to DRIVER_CLASSES and
a choice to the settings below.
"""

from __future__ import annotations

from decimal import Decimal

from accounts.drivers.base import PlatformDriver
from accounts.drivers.sandbox import SandboxDriver
from core.registry import register, settings_get_many

PLATFORMS = ("vk", "telegram", "mail", "max")
DRIVER_CLASSES: dict[str, type[PlatformDriver]] = {"sandbox": SandboxDriver}

SANDBOX_KEYS = (
    "accounts.driver.sandbox_seed",
    "accounts.driver.sandbox_success_rate",
    "accounts.driver.sandbox_latency_ms",
    "accounts.driver.sandbox_ban_rate",
)


def register_settings() -> None:
    for platform in PLATFORMS:
        register(
            f"accounts.driver.{platform}",
            "str",
            "sandbox",
            f"Driver used for every action on {platform} accounts.",
            choices=tuple(DRIVER_CLASSES),
        )
    register(
        "accounts.driver.sandbox_seed",
        "int",
        1,
        "Seed of the sandbox driver: the same seed replays the same outcomes.",
    )
    register(
        "accounts.driver.sandbox_success_rate",
        "decimal",
        Decimal("0.95"),
        "Share of sandbox actions that succeed (0 to 1).",
        min_value=Decimal(0),
        max_value=Decimal(1),
    )
    register(
        "accounts.driver.sandbox_latency_ms",
        "int",
        200,
        "Simulated latency of one sandbox call, in milliseconds (+-50% jitter).",
        min_value=0,
        max_value=60_000,
    )
    register(
        "accounts.driver.sandbox_ban_rate",
        "decimal",
        Decimal("0"),
        "Share of accounts the sandbox reports as banned on a status check (0 to 1).",
        min_value=Decimal(0),
        max_value=Decimal(1),
    )


def driver_for(platform: str) -> PlatformDriver:
    """The configured driver for `platform`; raises ValueError for an unknown platform."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    key = f"accounts.driver.{platform}"
    values = settings_get_many([key, *SANDBOX_KEYS])
    name = values[key]
    cls = DRIVER_CLASSES.get(name)
    if cls is None:
        raise ValueError(f"no driver named {name!r}")
    if cls is SandboxDriver:
        return SandboxDriver(
            platform=platform,
            seed=values["accounts.driver.sandbox_seed"],
            success_rate=values["accounts.driver.sandbox_success_rate"],
            latency_ms=values["accounts.driver.sandbox_latency_ms"],
            ban_rate=values["accounts.driver.sandbox_ban_rate"],
        )
    return cls(platform=platform)
