"""A Telegram user goes through the shop as a person would, in polling and in webhook mode:
takes a code on the web page, links, browses with filters, buys (a double tap buys once),
gets the credentials, refunds a proxy the provider reports offline, sees the balance. Every
step is checked in the database and in the fake Bot API's record of what the bot sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from proxyshop.models import LedgerEntry, Order, OrderStatus, Wallet
from shopbot.models import ProcessedUpdate, TelegramLink
from tests.shopbot.conftest import code_from_page

pytestmark = pytest.mark.django_db(transaction=True)
TG_ID = 555001


def test_a_customer_links_browses_buys_refunds_and_sees_the_balance(
    running_bot, bot_api, tg, client, shopper, stocked_shop
):
    provider = stocked_shop
    person = tg(TG_ID)

    # 1. a code from the Connect Telegram page, sent to the bot
    client.force_login(shopper)
    code = code_from_page(client)
    person.say(f"/start {code}")
    link = TelegramLink.objects.get(telegram_id=TG_ID)
    assert link.user == shopper
    assert "acts as tg-shopper" in person.last["text"]
    assert "📦 My orders" in person.buttons()
    assert "Linked to Telegram" in client.get("/shop/telegram/").content.decode()

    # 2. browse with filters: a country from the chooser, then a type
    person.say("/catalog")
    assert "Proxies for sale: 12 (all)" in person.last["text"]
    person.press("🌍 Country")
    assert "Choose a country" in person.last["text"]
    person.press("Germany")
    assert "Proxies for sale: 6 (🇩🇪 DE)" in person.last["text"]
    listed = [b for b in person.buttons() if "$2.00" in b]
    assert listed and all(b.startswith("🇩🇪 Berlin") for b in listed)
    person.press("🏷 Type")
    person.press("residential")
    residential = [b for b in person.buttons() if "$2.00" in b]
    assert residential and all("residential" in b for b in residential)
    assert "DE, residential" in person.last["text"].replace("🇩🇪 ", "")

    # 3. buy with a double tap on the confirmation: one order, one charge
    person.press(residential[0])
    assert person.last["text"].startswith("Buy this proxy for $2.00?")
    assert "Your balance: $10.00" in person.last["text"]
    person.double_tap("✅ Confirm purchase")
    order = Order.objects.get(user=shopper)
    wallet = Wallet.objects.get(user=shopper)
    assert wallet.balance == Decimal("8.00")
    assert LedgerEntry.objects.filter(wallet=wallet, kind="purchase").count() == 1
    assert len(provider.calls("buy")) == 1
    assert person.toasts()[-2:] == ["Bought!", f"Already bought: order {order.order_id}."]

    # 4. the credentials, once, in the private chat only
    password = order.credentials["password"]
    with_password = [s for s in bot_api.sent if password in s.text]
    assert len(with_password) == 1 and with_password[0].chat_id == TG_ID
    assert f"🔑 Order {order.order_id}" in with_password[0].text
    assert f"✅ Bought: order {order.order_id}" in "\n".join(person.texts())

    # 5. refund a proxy the provider reports offline
    provider.set_online(order.proxy_id, False)
    person.say("/orders")
    assert order.order_id in person.last["text"]
    person.press("↩ Refund")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert f"Refunded $2.00 for order {order.order_id}" in person.last["text"]

    # 6. the balance
    person.say("/balance")
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("10.00")
    assert person.last["text"].startswith("Your balance: $10.00")
    assert "+$2.00 refund " + order.order_id in person.last["text"]

    # every update recorded once; the shop's audit names the user and the bot's request ids
    assert not ProcessedUpdate.objects.exclude(outcome="handled").exists()
    purchase = AuditEvent.objects.get(action="proxyshop.purchase", outcome="success")
    refund = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    for event in (purchase, refund):
        assert event.actor == "tg-shopper" and event.request_id.startswith("tg-")
