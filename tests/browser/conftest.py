"""Pages in a real browser: Debian's Chromium driven by Playwright's Python package, against the
app served by a real server the test starts (pytest-django's live_server: Django's threaded WSGI
server in this process, so factories, settings overrides and fakes are shared with it).

One browser for the whole package (launching costs seconds), a fresh context per test (a few
milliseconds: its own cookies, so no login leaks between tests). Every context refuses any request
to a host other than this machine's loopback and records it; a test that caused one fails. Waits
are conditions with generous deadlines (a loaded 2-core machine), never fixed sleeps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that phones home (updates, sync, QUIC probes, field trials).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

expect.set_options(timeout=WAIT_MS)
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    """More time per browser test than the suite's default: pages that render the whole API
    schema (ReDoc) take minutes on a loaded machine."""
    for item in items:
        if Path(item.path).is_relative_to(HERE):
            item.add_marker(pytest.mark.timeout(300))


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, launched once. Playwright's launch gives it a fresh temporary user-data-dir."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    # Playwright's sync API keeps its event loop registered as running in this thread while the
    # browser is open; Django would then refuse every ORM call of the test itself (its guard
    # against blocking an event loop). That loop is suspended while the test runs, so the guard
    # is lifted for the browser tests only and restored after them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_context(browser: Browser, base_url: str, **options) -> BrowserContext:
    """A context whose requests may only go to loopback addresses; others are aborted and
    listed in `context.outside_requests`."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    outside: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", guard)
    context.outside_requests = outside
    return context


@pytest.fixture
def site(live_server) -> str:
    """The live server's base URL on 127.0.0.1 (it listens there: IPv4 'localhost')."""
    return live_server.url.replace("://localhost:", "://127.0.0.1:")


@pytest.fixture
def context(browser, site) -> Iterator[BrowserContext]:
    ctx = new_context(browser, site)
    yield ctx
    ctx.close()
    assert ctx.outside_requests == [], "the page asked for something outside this machine"


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def log_in(page: Page, username: str, password: str = PASSWORD, next_url: str = "/") -> None:
    """The login form, as a person fills it."""
    page.goto(f"/auth/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/auth/login/" not in url)


@pytest.fixture
def customer(db):
    return UserFactory(role="user", username="carol")


@pytest.fixture
def admin(db):
    return UserFactory(role="admin", username="boss")


@pytest.fixture
def operator(db):
    return UserFactory(role="operator", username="oscar")
