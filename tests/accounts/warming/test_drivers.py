"""Platform drivers: the registry picks one per platform; the sandbox is deterministic for a
seed, honours the configured success rate and latency, and never touches the network."""

from __future__ import annotations

import time

import pytest

from accounts.drivers import ActionRequest, RegisterRequest, driver_for
from accounts.drivers.sandbox import SandboxDriver
from core.errors import InvalidArgument
from core.registry import setting_set

pytestmark = pytest.mark.django_db


def outcomes(driver, n=200, task_id=7):
    return [
        driver.execute_action(
            request=ActionRequest(
                platform="vk",
                account_id=1,
                login="a",
                action_type="like_post",
                task_id=task_id,
                action_index=i,
            )
        ).success
        for i in range(n)
    ]


def test_same_seed_replays_the_same_outcomes_and_another_seed_does_not():
    a = outcomes(SandboxDriver(platform="vk", seed=3, success_rate=0.5))
    b = outcomes(SandboxDriver(platform="vk", seed=3, success_rate=0.5))
    c = outcomes(SandboxDriver(platform="vk", seed=4, success_rate=0.5))
    assert a == b and a != c


def test_success_rate_is_honoured():
    results = outcomes(SandboxDriver(platform="vk", seed=1, success_rate=0.7), n=2000)
    assert 0.66 < sum(results) / len(results) < 0.74
    assert not any(outcomes(SandboxDriver(platform="vk", seed=1, success_rate=0)))
    assert all(outcomes(SandboxDriver(platform="vk", seed=1, success_rate=1)))


def test_failures_carry_an_error_and_latency_is_simulated():
    driver = SandboxDriver(platform="telegram", seed=2, success_rate=0, latency_ms=40)
    started = time.monotonic()
    result = driver.execute_action(
        request=ActionRequest(
            platform="telegram",
            account_id=1,
            login="a",
            action_type="comment",
            task_id=1,
            action_index=1,
        )
    )
    elapsed_ms = (time.monotonic() - started) * 1000
    assert not result.success and result.error.startswith("sandbox:")
    assert 20 <= result.duration_ms <= 60 and elapsed_ms >= result.duration_ms - 1
    assert result.action_type == "comment"


def test_registry_builds_the_configured_sandbox_per_platform():
    setting_set(key="accounts.driver.sandbox_seed", value=11)
    setting_set(key="accounts.driver.sandbox_success_rate", value="0.25")
    setting_set(key="accounts.driver.sandbox_latency_ms", value=5)
    driver = driver_for("mail")
    assert isinstance(driver, SandboxDriver) and driver.platform == "mail"
    assert (driver.seed, driver.success_rate, driver.latency_ms) == (11, 0.25, 5)
    with pytest.raises(ValueError):
        driver_for("facebook")
    with pytest.raises(InvalidArgument):  # only shipped drivers can be chosen
        setting_set(key="accounts.driver.vk", value="real-vk")


def test_register_and_status_check_are_simulated_deterministically():
    driver = SandboxDriver(platform="vk", seed=5, success_rate=1, ban_rate=1)
    first = driver.register(request=RegisterRequest(platform="vk", login="new-one"))
    again = driver.register(request=RegisterRequest(platform="vk", login="new-one"))
    assert first.success and first.external_id == again.external_id
    assert first.external_id.startswith("sandbox-")
    status = driver.check_account_status(platform="vk", account_id=1, login="x")
    assert status.status == "banned"
    fine = SandboxDriver(platform="vk", seed=5, ban_rate=0)
    assert fine.check_account_status(platform="vk", account_id=1, login="x").status == "active"
