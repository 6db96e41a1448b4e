"""The bot's behaviour one conversation at a time (the test's thread polls the fake Bot API):
languages, export, groups, blocked chats, the rate limit, stale and sold buttons, Bot API
errors on replies, and exactly-once across a poller restart."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from core.models import AuditEvent
from proxyshop.models import Order, Product, Wallet
from proxyshop.services import proxy_purchase
from shopbot.callbacks import CatalogView, signed
from shopbot.models import BotError, ProcessedUpdate
from shopbot.polling import Poller
from shopbot.services import link_code_issue, telegram_link
from tests.shopbot.conftest import configure

pytestmark = pytest.mark.django_db
PO = Path(__file__).resolve().parents[2] / "shopbot/locale/ru/LC_MESSAGES/django.po"


@pytest.fixture
def customer(shopper, stocked_shop):
    telegram_link(code=link_code_issue(user=shopper)[0], telegram_id=8001)
    return shopper


def buy_one(user) -> Order:
    order, _ = proxy_purchase(user=user, product_id=Product.objects.order_by("id").first().pk)
    return order


def test_a_russian_speaker_gets_russian_texts(tg, customer):
    person = tg(8001, lang="ru")
    person.say("/start")
    assert person.last["text"] == "Здравствуйте, tg-shopper! Что хотите сделать?"
    assert "🛒 Каталог" in person.buttons() and "📦 Мои заказы" in person.buttons()
    person.say("/catalog")
    assert person.last["text"].startswith("Прокси в продаже: 12 (все). Страница 1 из 2.")
    person.say("/balance")
    assert person.last["text"].startswith("Ваш баланс: $10.00")
    english = tg(8002, lang="en-GB")
    english.say("/help")
    assert english.last["text"].startswith("What I can do:")


def _po_entries() -> list[tuple[str, str, str]]:
    def text(block: str) -> str:
        return (
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
            .encode()
            .decode("unicode_escape")
            .encode("latin-1")
            .decode()
        )

    pattern = r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)'
    return [
        (text(ctx), text(a), text(b))
        for ctx, a, b in re.findall(pattern, PO.read_text(), re.M)
        if text(a)
    ]


def test_the_committed_mo_holds_every_translation_of_the_po():
    entries = _po_entries()
    assert len(entries) > 90 and all(msgstr for _, _, msgstr in entries)
    with translation.override("ru"):
        stale = [
            msgid
            for context, msgid, msgstr in entries
            if (pgettext(context, msgid) if context else gettext(msgid)) != msgstr
        ]
    assert stale == [], "run msgfmt (see the .po's header)"


def test_the_start_menu_reaches_every_command_and_the_catalogue_pages(tg, customer, bot_api):
    person = tg(8001)
    person.say("/start")
    menu = person.buttons()
    assert menu == ["🛒 Catalogue", "📦 My orders", "💰 Balance", "📄 Export", "❓ Help",
                    "🔌 Unlink"]  # fmt: skip
    expected = {
        "🛒 Catalogue": "Proxies for sale: 12 (all). Page 1 of 2.",
        "📦 My orders": "You have no orders yet.",
        "💰 Balance": "Your balance: $10.00",
        "📄 Export": "Export your active proxies as:",
        "❓ Help": "What I can do:",
    }
    for label, text in expected.items():
        person.say("/start")
        person.press(label)
        assert person.last["text"].startswith(text), label
    person.say("/catalog")
    person.press("▶")
    assert person.last["text"].endswith("Page 2 of 2.")
    assert len([b for b in person.buttons() if "$2.00" in b]) == 4
    person.press("◀")
    assert person.last["text"].endswith("Page 1 of 2.")
    person.say("/start")
    person.press("🔌 Unlink")
    assert person.last["text"].startswith("Unlinked.")


def test_export_sends_csv_and_txt_documents(tg, customer, bot_api):
    order = buy_one(customer)
    creds = order.credentials
    person = tg(8001)
    person.say("/export csv")
    (document,) = bot_api.sent_to(8001, "sendDocument")
    filename, content = document.document
    assert filename == "proxies.csv" and document.text == "Your active proxies: 1."
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][:5] == ["order_id", "ip", "port", "login", "password"]
    assert rows[1][:5] == [order.order_id, creds["ip"], creds["port"], creds["login"],
                           creds["password"]]  # fmt: skip
    person.say("/export")
    person.press("TXT")
    txt = bot_api.sent_to(8001, "sendDocument")[-1].document
    assert txt == ("proxies.txt", f"{creds['ip']}:{creds['port']}:{creds['login']}:"
                   f"{creds['password']}\n".encode())  # fmt: skip
    assert AuditEvent.objects.filter(action="proxyshop.order.export").count() == 2


def test_group_chats_get_no_shop_action_and_no_credentials(bot_api, customer):
    buy_one(customer)
    poller = Poller()
    configure(poll_timeout=0)
    for text in ("/balance", "/orders", "/export csv", "/catalog"):
        update_id = bot_api.say(8001, text, chat_id=-5001, chat_type="group")
        while poller.run_once():
            pass
        assert bot_api.handled(update_id)
    replies = bot_api.sent_to(-5001)
    assert [r.text for r in replies] == ["Please write to me in a private chat: I only work "
                                         "there."] * 4  # fmt: skip
    assert bot_api.sent_to(8001) == []


def test_a_chat_that_blocked_the_bot_is_recorded_and_nothing_breaks(tg, customer, bot_api):
    bot_api.blocked.add(8001)
    update_id = tg(8001).say("/balance")
    row = ProcessedUpdate.objects.get(update_id=update_id)
    assert row.outcome == "handled" and row.finished_at is not None
    error = BotError.objects.get()
    assert error.kind == "blocked" and error.chat_id == 8001 and "blocked" in error.error


def test_one_chat_cannot_flood_the_bot(tg, bot_api):
    configure(rate_limit=3)
    person = tg(8003)
    for _ in range(6):
        person.say("/help")
    texts = [s.text for s in bot_api.sent_to(8003, "sendMessage")]
    assert len(texts) == 4 and texts[3].startswith("Too many messages")
    assert ProcessedUpdate.objects.count() == 3
    tg(8004).say("/help")  # other chats are not limited
    assert len(bot_api.sent_to(8004)) == 1


def test_a_stale_confirmation_buys_nothing(tg, customer, bot_api):
    product = Product.objects.order_by("id").first()
    person = tg(8001)
    person.say("/help")
    old_nonce = "1" + "0" * 5 + "abcd"  # created in 1970
    person.press_data(signed(8001, "B", str(product.pk), old_nonce))
    assert person.last["text"].startswith("This confirmation has expired")
    assert not Order.objects.exists() and Wallet.objects.get(user=customer).balance == 10


def test_a_product_sold_meanwhile_is_refused_politely(tg, customer, bot_api):
    person = tg(8001)
    person.say("/catalog")
    product_button = [b for b in person.buttons() if "$2.00" in b][0]
    person.press(product_button)
    product_id = int(bot_api.users.find_button(8001, product_button)[1].split("|")[1])
    from tests.factories import UserFactory
    from tests.proxyshop.factories import fund

    rival = UserFactory()
    fund(rival, 5)
    proxy_purchase(user=rival, product_id=product_id)
    person.press("✅ Confirm purchase")
    assert person.last["text"] == "❌ Not bought: This proxy has already been sold."
    assert Wallet.objects.get(user=customer).balance == Decimal("10.00")
    assert not Order.objects.filter(user=customer).exists()


def test_unknown_commands_and_buttons_get_a_polite_answer(tg, customer, bot_api):
    person = tg(8001)
    person.say("/nonsense")
    assert person.last["text"].startswith("Sorry, I don't know that.")
    person.say("hello there")
    assert person.last["text"].startswith("Sorry, I don't know that.")
    for data in ("zz|1", "c|x|y", "c|0|~0000000000000000", "o|-1", "e|pdf", "f|q|0|||"):
        person.press_data(data)
    assert person.toasts() == ["This button is no longer valid."] * 6
    assert not BotError.objects.exists()


def test_a_catalogue_the_shop_refuses_gets_its_reason(tg, bot_api):
    from tests.proxyshop.conftest import configure as shop_configure

    shop_configure(page_size_max=5)  # below telegram.catalog_page_size
    person = tg(8008)
    person.say("/catalog")
    assert person.last["text"] == "page_size must be between 1 and 5."
    assert not BotError.objects.exists()


def test_callback_data_fits_in_64_bytes_even_for_a_long_city():
    view = CatalogView(
        12, "DE", "mobile", "Sankt Wendel am Hochwald-Nonnweiler-Hermeskeil Ost-Nord"
    )
    data = view.encode("f|y")
    assert len(data.encode()) <= 64 and data.startswith("f|y|12|~")
    assert CatalogView.decode(data.split("|")[2:]) == view
    assert CatalogView(0, "DE", "", "Berlin").encode() == "c|0|DE||Berlin"


def test_bot_api_errors_on_replies_are_harmless_or_waited_out(tg, bot_api):
    person = tg(8006)
    person.say("/catalog")
    page = person.last
    person.press_data(CatalogView().encode())  # the same page again: "message is not modified"
    assert person.last == page
    bot_api.fail("sendMessage", status=429, retry_after=1)
    person.say("/help")
    assert person.last["text"].startswith("What I can do:")
    assert [m for m, _, _ in bot_api.calls].count("editMessageText") == 1
    assert not BotError.objects.exists()


def test_an_update_handled_before_a_restart_is_not_handled_again(bot_api):
    """The poller died after handling an update but before confirming it to Telegram
    (the confirmation is the next getUpdates' offset); the next poller gets it again."""
    configure(poll_timeout=0)
    update_id = bot_api.say(8007, "/help")
    assert Poller().run_once() == 1  # handled, never confirmed
    assert not bot_api.handled(update_id)
    restarted = Poller()
    assert restarted.run_once() == 1  # redelivered by Telegram …
    restarted.run_once()
    assert bot_api.handled(update_id) and bot_api.deliveries(update_id) == 2
    assert len(bot_api.sent_to(8007, "sendMessage")) == 1  # … and not handled twice
    assert ProcessedUpdate.objects.get(update_id=update_id).attempts == 1
