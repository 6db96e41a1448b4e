"""Logging in (password, and GitHub through the fake) and the API tokens page, in a browser."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

import secrets_app.allauth_adapter  # noqa: F401  (re-points allauth when the setting changes)
from fakes.github import FakeGitHub
from secrets_app.models import Token

from .conftest import log_in


def test_password_login_refuses_a_wrong_password_then_logs_in(page, customer):
    page.goto("/auth/login/?next=/secrets/tokens/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator(".error")).to_contain_text("not correct")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/secrets/tokens/$"))
    expect(page.locator("header")).to_contain_text("carol")
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("header")).to_contain_text("Log in")


@pytest.fixture
def github(settings) -> Iterator[FakeGitHub]:
    app = settings.SOCIALACCOUNT_PROVIDERS["github"]["APPS"][0]
    fake = FakeGitHub(client_id=app["client_id"], client_secret=app["secret"])
    fake.add_user("octocat", id=583231, name="The Octocat", email="octocat@example.com")
    fake.server.start()
    providers = copy.deepcopy(settings.SOCIALACCOUNT_PROVIDERS)
    providers["github"]["GITHUB_URL"] = fake.url
    settings.SOCIALACCOUNT_PROVIDERS = providers
    yield fake
    fake.server.stop()


def test_github_login_through_the_fake(page, github):
    page.goto("/auth/login/?next=/secrets/tokens/")
    page.get_by_role("button", name="Log in with GitHub").click()
    expect(page).to_have_url(re.compile(r"/secrets/tokens/$"))
    expect(page.locator("header")).to_contain_text("octocat")
    # the browser really went through (fake) GitHub's authorize page and came back
    assert [r.path for r in github.server.requests][:1] == ["/login/oauth/authorize"]


def test_create_a_token_see_it_once_and_revoke_it(page, site, customer):
    log_in(page, "carol", next_url="/secrets/tokens/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("TTL").fill("2h")
    page.get_by_role("button", name="Create token").click()
    raw = page.locator("#raw-token").input_value()
    assert raw.startswith("pvt.")
    accessor = Token.objects.get(user=customer, display_name="laptop").accessor
    row = page.locator("tr", has_text=accessor)
    expect(row).to_contain_text("laptop")
    ping = f"{site}/api/v1/sys/ping"
    auth = {"Authorization": f"Bearer {raw}"}
    assert httpx.get(ping, headers=auth, timeout=30).status_code == 200
    # shown once: a reload does not show it again
    page.goto("/secrets/tokens/")
    expect(page.locator("#raw-token")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text=accessor).get_by_role("button", name="Revoke").click()
    expect(page.locator(".messages")).to_contain_text(f"Token {accessor} revoked.")
    expect(page.locator("tr", has_text=accessor)).to_have_count(0)
    assert httpx.get(ping, headers=auth, timeout=30).status_code == 401
