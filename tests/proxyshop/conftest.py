"""The fake provider on 127.0.0.1, wired into the shop through the settings registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.models import SystemSetting
from core.registry import settings_forget
from fakes.provider import FakeProvider
from proxyshop.models import Product
from proxyshop.services import proxies_sync

TOKEN = "test-provider-token"


def configure(**values) -> None:
    """Store registry overrides directly (no audit noise); the cache is cleared per test."""
    for key, value in values.items():
        SystemSetting.objects.update_or_create(key=f"proxyshop.{key}", defaults={"value": value})
    settings_forget(f"proxyshop.{key}" for key in values)


@pytest.fixture(scope="session")
def _provider_server() -> Iterator[FakeProvider]:
    # One server for the session (stopping one costs half a second); reset per test.
    fake = FakeProvider(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def provider(db, _provider_server) -> FakeProvider:
    _provider_server.reset()
    configure(api_url=_provider_server.url, api_token=TOKEN, timeout="2", retry_backoff="0.01")
    return _provider_server


@pytest.fixture
def stocked(provider) -> list[Product]:
    """20 proxies at the provider, synced into the shop."""
    provider.add_proxies(20)
    proxies_sync(trigger="test")
    return list(Product.objects.order_by("id"))
