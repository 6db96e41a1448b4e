"""Fixtures every domain's tests share: clean Redis, API clients, users and tokens, fake HTTP
servers on 127.0.0.1 and the app under a real threaded WSGI server (pytest-django's
live_server) for concurrency tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from fakes.http import FakeHTTPServer
from tests.factories import UserFactory

# The live server's listen backlog is Django's 10: the concurrency tests open 30 and more
# connections at once, which a loaded machine answers with "connection reset" instead of a queue.
WSGIServer.request_queue_size = 128


@pytest.fixture(autouse=True, scope="session")
def _celery_configured() -> None:
    """Celery reads Django's settings once, on first access: do it before any test overrides
    settings, so that no override leaks into the app's configuration for the rest of the run."""
    from config.celery import app

    assert app.conf.broker_url


# Keys of a running platform (`make run` with REDIS_URL, a deployment): the cache's default
# prefix outside the tests (config/settings/base.py CACHE_KEY_PREFIX "pf").
PLATFORM_KEYS = "pf:*"


def platform_keys_present(client) -> bool:
    return next(client.scan_iter(match=PLATFORM_KEYS, count=1000), None) is not None


@pytest.fixture(autouse=True, scope="session")
def _redis_db_owned() -> None:
    """The suite empties the Redis database of REDIS_URL before every test: refuse to start on
    one that a running platform uses (its cache keys are there), instead of emptying it."""
    from django.conf import settings

    from core.redis import get_redis

    client = get_redis()
    if client is None:
        return
    if platform_keys_present(client):
        pytest.exit(
            f"Redis {settings.REDIS_URL} holds a running platform's keys ({PLATFORM_KEYS}); the "
            "suite empties its database before every test. Point REDIS_URL at a database of "
            "its own (make test uses redis://127.0.0.1:6379/1) or empty this one yourself.",
            returncode=2,
        )


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Each test starts with an empty Redis database (tests own the one in REDIS_URL, see
    `_redis_db_owned`) and no settings remembered by this process."""
    from core.redis import redis_outages_forget
    from core.registry import settings_forget

    redis_outages_forget()  # a test that stopped a Redis must not leave it "down" for the next
    cache.clear()
    settings_forget()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory(role="user")


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin", username="root-admin")


@pytest.fixture
def operator_user(db):
    return UserFactory(role="operator")


@pytest.fixture
def make_token(db) -> Callable[..., str]:
    """make_token(user, **token_issue kwargs) -> raw token."""
    from secrets_app.services.tokens import token_issue

    def make(user, **kwargs) -> str:
        return token_issue(user=user, **kwargs).access_token

    return make


@pytest.fixture
def auth_client(make_token) -> Callable[..., APIClient]:
    """auth_client(user, **token kwargs) -> APIClient sending that user's Bearer token."""

    def make(user, **kwargs) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user, **kwargs)}")
        return client

    return make


@pytest.fixture
def fake_server() -> Iterator[Callable[[], FakeHTTPServer]]:
    """fake_server() -> a started FakeHTTPServer on 127.0.0.1; stopped after the test."""
    started: list[FakeHTTPServer] = []

    def make() -> FakeHTTPServer:
        server = FakeHTTPServer().start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def parallel() -> Callable[..., list]:
    """parallel(n, fn) runs fn(i) for i in range(n) on n real threads; returns the results."""

    def run(n: int, fn: Callable[[int], object]) -> list:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(fn, range(n)))

    return run
