"""Sharing a secret once, in a real browser: the link the API hands out, opened and revealed."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from secrets_app.services.tokens import token_issue


@pytest.fixture
def share_link(site, admin):
    """A one-time link to an ad-hoc value, created through the API as a client would."""
    raw = token_issue(user=admin).access_token
    answer = httpx.post(
        f"{site}/api/v1/secrets/wrap",
        json={"value": "the-launch-code-4711", "ttl": "10m"},
        headers={"Authorization": f"Bearer {raw}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_reveal_a_shared_secret_once(page, share_link):
    page.goto(share_link["url"])
    expect(page.get_by_role("heading", name="Shared secret")).to_be_visible()
    page.get_by_role("button", name="Reveal the secret").click()
    expect(page.locator("#secret-value")).to_have_text("the-launch-code-4711")
    # the link is spent: opening it again (a new tab, as from the mail) says so before any click
    again = page.context.new_page()
    again.goto(share_link["url"])
    expect(again.get_by_text("does not exist, was already opened, or has expired")).to_be_visible()
    expect(again.get_by_role("button", name="Reveal the secret")).to_have_count(0)
