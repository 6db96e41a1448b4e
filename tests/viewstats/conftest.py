"""Viewstats fixtures: the fake VK API and fake t.me on 127.0.0.1 (settings pointed at them
through the settings registry), and a real Celery worker in this process."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from config.celery import app as celery_app
from core.registry import setting_set
from fakes.telegram import FakeTelegram
from fakes.vk import FakeVK
from viewstats.models import ViewTask


def configure(**values) -> None:
    """Set viewstats.* registry settings (stored rows, as an admin would)."""
    for key, value in values.items():
        setting_set(key=f"viewstats.{key}", value=value)


@pytest.fixture
def fake_vk(db) -> Iterator[FakeVK]:
    fake = FakeVK().start()
    configure(vk_api_url=fake.url, vk_tokens=["tok-alpha-1111"], vk_rps=0, retry_backoff=0)
    yield fake
    fake.stop()


@pytest.fixture
def fake_tg(db) -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    configure(telegram_url=fake.url, telegram_rps=0, retry_backoff=0)
    yield fake
    fake.stop()


@pytest.fixture
def worker(transactional_db) -> Iterator[object]:
    """A real Celery worker (threads) consuming this test's Redis broker."""
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=15,
    ) as started:
        yield started
    cache.clear()


@pytest.fixture
def wait_for() -> Callable[..., None]:
    def wait(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError("condition not reached in time")

    return wait


@pytest.fixture
def all_finished() -> Callable[[], bool]:
    def check() -> bool:
        return not ViewTask.objects.filter(status__in=["created", "in progress"]).exists()

    return check
