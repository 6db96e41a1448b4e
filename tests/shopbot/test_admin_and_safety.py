"""The bot's admin screens; the bot token kept out of logs and stored errors; a real double tap
(two presses at once) through the webhook buys once."""

from __future__ import annotations

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from core.registry import setting_get
from proxyshop.models import LedgerEntry, Order, Product, Wallet
from shopbot.botapi import BotApiError, BotClient
from shopbot.callbacks import new_nonce, signed
from shopbot.models import AlertDelivery, BotError, TelegramLink
from shopbot.redact import RedactBotTokenFilter, redact
from shopbot.services import bot_error_record, link_code_issue, telegram_link
from tests.shopbot.conftest import SECRET, TOKEN, configure


@pytest.mark.django_db
def test_admin_screens_and_actions(client, admin_user, operator_user, bot_api, user):
    telegram_link(code=link_code_issue(user=user)[0], telegram_id=9101)
    bot_error_record(kind="api", error=f"POST /bot{TOKEN}/sendMessage failed", chat_id=9101)
    client.force_login(admin_user)
    for model in ("telegramlink", "alertdelivery", "alertstate", "boterror", "processedupdate"):
        assert client.get(f"/admin/shopbot/{model}/").status_code == 200, model
    errors = client.get("/admin/shopbot/boterror/").content.decode()
    i = errors.find(TOKEN)
    assert i < 0, errors[i - 300 : i + 100]
    assert "&lt;bot-token&gt;" in errors

    page = client.post("/admin/shopbot/alertdelivery/chats/", {"chats": "-1001\n-1002"})
    assert page.status_code == 302
    assert setting_get("telegram.alert_chats") == [-1001, -1002]
    bad = client.post("/admin/shopbot/alertdelivery/chats/", {"chats": "my group"})
    assert bad.status_code == 200 and "Not a chat id" in bad.content.decode()
    client.post("/admin/shopbot/alertdelivery/chats/", {"test": "1"})
    assert AlertDelivery.objects.filter(kind="test").count() == 2

    link = TelegramLink.objects.get()
    response = client.post(
        "/admin/shopbot/telegramlink/",
        {"action": "unlink", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302 and not TelegramLink.objects.exists()

    client.force_login(operator_user)
    assert client.get("/admin/shopbot/alertdelivery/chats/").status_code == 200
    client.post("/admin/shopbot/alertdelivery/chats/", {"chats": "-1"})
    assert setting_get("telegram.alert_chats") == [-1001, -1002]  # only admins edit


def test_the_bot_token_never_reaches_a_log_line():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactBotTokenFilter())
    log = logging.getLogger("test.redaction")
    log.addHandler(handler)
    try:
        log.warning('HTTP Request: POST https://api.telegram.org/bot%s/sendMessage "200"', TOKEN)
        try:
            raise RuntimeError(f"connect failed for https://x/bot{TOKEN}/getUpdates")
        except RuntimeError:
            log.exception("polling")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert TOKEN not in text and text.count("<bot-token>") == 2
    assert redact("order ORD-ABC at 12:30:45, port 127.0.0.1:8706") == (
        "order ORD-ABC at 12:30:45, port 127.0.0.1:8706"
    )


@pytest.mark.django_db
def test_a_rejected_token_is_not_repeated_in_the_error(bot_api):
    with pytest.raises(BotApiError) as caught:
        BotClient(token="999999:wrong-token-abcdefghijkl").send_message(1, "x")
    assert "wrong-token" not in str(caught.value)
    assert caught.value.description == "the Bot API refused the bot token"


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_through_the_webhook_buy_once(
    bot_api, live_server, shopper, stocked_shop
):
    telegram_link(code=link_code_issue(user=shopper)[0], telegram_id=9102)
    product = Product.objects.order_by("id").first()
    data = signed(9102, "B", str(product.pk), new_nonce())
    message = bot_api.users.bot_message(9102, "Buy this proxy?", {})
    updates = [bot_api.users.callback(700 + n, 9102, message, data) for n in range(4)]
    url = f"{live_server.url}/telegram/webhook"

    def press(update):
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        return httpx.post(url, json=update, headers=headers, timeout=60).json()["outcome"]

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(press, updates))
    assert outcomes == ["handled"] * 4
    assert Order.objects.filter(user=shopper).count() == 1
    assert Wallet.objects.get(user=shopper).balance == Decimal("8.00")
    assert LedgerEntry.objects.filter(kind="purchase").count() == 1
    assert len(stocked_shop.calls("buy")) == 1
    credentials = [s for s in bot_api.sent if s.text.startswith("🔑 Order")]
    assert len(credentials) == 1
    assert not BotError.objects.exists()
    configure(webhook_secret="")  # nothing else gets in while the server winds down
