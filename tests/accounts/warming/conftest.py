from __future__ import annotations

import pytest

from core.registry import setting_set


@pytest.fixture(autouse=True)
def _fast_sandbox(db):
    """No simulated latency and every action succeeding unless a test says otherwise."""
    setting_set(key="accounts.driver.sandbox_latency_ms", value=0)
    setting_set(key="accounts.driver.sandbox_success_rate", value="1")


@pytest.fixture
def collected():
    """A dispatch for warming_tick that keeps the ids instead of sending Celery messages."""

    class Collector:
        def __init__(self):
            self.actions: list[int] = []
            self.settle: list[int] = []

        def __call__(self, action_ids, settle_ids, batch):
            self.actions += action_ids
            self.settle += settle_ids

    return Collector()
