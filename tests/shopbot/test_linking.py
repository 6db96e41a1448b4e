"""Linking a Telegram account: one-time codes from the page and the API, their TTL and single
use, one account per user and vice versa, unlinking; unlinked chats may only browse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from shopbot.models import LinkCode, TelegramLink
from shopbot.services import link_code_issue, telegram_link
from tests.factories import UserFactory
from tests.shopbot.conftest import code_from_page

pytestmark = pytest.mark.django_db


def test_the_api_gives_a_one_time_code_for_the_caller(auth_client, user, api_client):
    response = auth_client(user).post("/api/v1/telegram/link-code")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"code", "expires_at"} and len(body["code"]) == 10
    expires = timezone.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=9) < expires - timezone.now() <= timedelta(minutes=10)
    stored = LinkCode.objects.get(user=user)
    assert body["code"] not in stored.code_hash  # only its hash is kept
    assert api_client.post("/api/v1/telegram/link-code").status_code == 401
    event = AuditEvent.objects.get(action="telegram.link_code")
    assert body["code"] not in str(event.data)


def test_a_code_links_once_and_a_new_code_voids_the_old_one(tg, client, user):
    client.force_login(user)
    old = code_from_page(client)
    code = code_from_page(client)
    person = tg(3003)
    person.say(f"/start {old}")
    assert "unknown, already used or expired" in person.last["text"]
    assert not TelegramLink.objects.exists()
    person.say(f"/start {code.lower()}")
    assert TelegramLink.objects.get(telegram_id=3003).user == user
    other = tg(3004)
    other.say(f"/start {code}")  # used up
    assert "unknown, already used or expired" in other.last["text"]
    assert TelegramLink.objects.count() == 1


def test_an_expired_code_is_refused(tg, user):
    code, _ = link_code_issue(user=user)
    LinkCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    person = tg(3005)
    person.say(f"/start {code}")
    assert "expired" in person.last["text"]
    assert not TelegramLink.objects.exists()
    refusal = AuditEvent.objects.get(action="telegram.link", outcome="denied")
    assert refusal.data["reason"] == "link_code_invalid" and code not in str(refusal.data)


def test_one_telegram_account_per_user_and_one_user_per_telegram_account(tg, user):
    other_user = UserFactory(username="someone-else")
    person = tg(3006)
    person.say(f"/start {link_code_issue(user=user)[0]}")
    person.say(f"/start {link_code_issue(user=other_user)[0]}")
    assert "already linked to another shop account" in person.last["text"]
    second_phone = tg(3007)
    second_phone.say(f"/start {link_code_issue(user=user)[0]}")
    assert "already linked to another Telegram account" in second_phone.last["text"]
    assert list(TelegramLink.objects.values_list("telegram_id", "user__username")) == [
        (3006, user.username)
    ]


def test_unlink_from_the_bot_and_from_the_page(tg, client, user):
    person = tg(3008)
    person.say(f"/start {link_code_issue(user=user)[0]}")
    person.say("/unlink")
    assert "Unlinked" in person.last["text"]
    assert not TelegramLink.objects.exists()
    person.say("/balance")
    assert "Link your shop account first" in person.last["text"]
    person.say(f"/start {link_code_issue(user=user)[0]}")
    client.force_login(user)
    assert "Linked to Telegram" in client.get("/shop/telegram/").content.decode()
    client.post("/shop/telegram/unlink/")
    assert not TelegramLink.objects.exists()
    assert AuditEvent.objects.filter(action="telegram.unlink").count() == 2


def test_a_telegram_id_alone_gets_no_shop_access(tg, stocked_shop):
    """An unlinked chat browses the catalogue; buying, orders, balance, export are refused."""
    person = tg(3009)
    person.say("/catalog")
    assert person.last["text"].startswith("Proxies for sale: 12")
    product = [b for b in person.buttons() if "$2.00" in b][0]
    person.press(product)
    assert "Link your shop account first" in person.toasts()[-1]
    for command in ("/orders", "/balance", "/export csv", "/unlink"):
        person.say(command)
        assert "Link your shop account first" in person.last["text"], command
    from proxyshop.models import Order

    assert not Order.objects.exists()


def test_the_connect_page_needs_a_login(client):
    response = client.get("/shop/telegram/")
    assert response.status_code == 302 and "/auth/login/" in response["Location"]
    assert client.post("/shop/telegram/code/").status_code == 302


def test_a_link_code_is_not_shown_in_a_url_or_kept_for_later(client, user):
    client.force_login(user)
    page = client.post("/shop/telegram/code/")
    assert page["Cache-Control"] == "no-store"
    code = code_from_page(client)
    assert code not in client.get("/shop/telegram/").content.decode()


def test_telegram_link_service_refuses_nonsense_codes(user):
    from core.errors import InvalidArgument

    for code in ("", "x" * 500, "ZZZZZZZZZZ"):
        with pytest.raises(InvalidArgument):
            telegram_link(code=code, telegram_id=1)
