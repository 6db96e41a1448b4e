"""The fake Bot API and the fake provider on 127.0.0.1, wired in through the settings registry;
a Telegram user who talks to the bot as a person would; the bot running in polling mode (a
poller thread) or in webhook mode (the app under pytest-django's live server)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection

from core.models import SystemSetting
from core.registry import settings_forget
from fakes.botapi import FakeBotAPI
from proxyshop.services import proxies_sync
from shopbot.polling import Poller
from tests.factories import UserFactory
from tests.proxyshop.conftest import _provider_server, provider  # noqa: F401
from tests.proxyshop.factories import fund

TOKEN = "123456:test-bot-token-abcdefghijklmnop"
SECRET = "test-webhook-secret"


def configure(**values) -> None:
    """Store telegram.* registry overrides directly (the cache is cleared per test)."""
    for key, value in values.items():
        SystemSetting.objects.update_or_create(key=f"telegram.{key}", defaults={"value": value})
    settings_forget(f"telegram.{key}" for key in values)


@pytest.fixture(scope="session")
def _bot_api_server() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI(token=TOKEN, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def bot_api(db, _bot_api_server) -> FakeBotAPI:
    _bot_api_server.reset()
    configure(
        api_url=_bot_api_server.url,
        bot_token=TOKEN,
        webhook_secret=SECRET,
        timeout="5",
        poll_timeout=1,
        mode="polling",
    )
    return _bot_api_server


class TelegramUser:
    """A person in a private chat with the bot: writes, presses buttons, waits for answers."""

    def __init__(self, fake: FakeBotAPI, user_id: int, lang: str = "en", pump=None) -> None:
        self.fake = fake
        self.id = user_id
        self.lang = lang
        self.pump = pump

    def _wait(self, *update_ids: int) -> None:
        if self.pump:
            self.pump()
        for update_id in update_ids:
            self.fake.wait_handled(update_id)

    def say(self, text: str) -> int:
        update_id = self.fake.say(self.id, text, lang=self.lang)
        self._wait(update_id)
        return update_id

    def press(self, label: str) -> int:
        update_id = self.fake.press(self.id, label, lang=self.lang)
        self._wait(update_id)
        return update_id

    def double_tap(self, label: str) -> list[int]:
        """Two presses of one button before the bot could answer the first."""
        _, data = self.fake.users.find_button(self.id, label)
        ids = [self.fake.press_data(self.id, data, lang=self.lang) for _ in range(2)]
        self._wait(*ids)
        return ids

    def press_data(self, data: str) -> int:
        update_id = self.fake.press_data(self.id, data, lang=self.lang)
        self._wait(update_id)
        return update_id

    @property
    def messages(self) -> list[dict]:
        return self.fake.chat(self.id)

    @property
    def last(self) -> dict:
        return self.messages[-1]

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.messages]

    def buttons(self, message: dict | None = None) -> list[str]:
        message = message or self.last
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def toasts(self) -> list[str]:
        return [s.text for s in self.fake.sent if s.method == "answerCallbackQuery"]


BOT_FIXTURES = ("running_bot", "polling_bot", "webhook_bot")


@pytest.fixture
def tg(request, bot_api):
    """tg(user_id, lang="en") -> TelegramUser. Without a running bot (polling_bot, webhook_bot,
    running_bot) the test's own thread polls (Poller.run_once, as `telegram_bot --once` does)
    after each step, inside the test's transaction."""
    pump = None
    if not any(name in request.fixturenames for name in BOT_FIXTURES):
        configure(poll_timeout=0)
        poller = Poller()

        def pump() -> None:
            while poller.run_once():  # the round after the last update confirms it
                pass

    return lambda user_id, lang="en": TelegramUser(bot_api, user_id, lang, pump)


def code_from_page(client) -> str:
    """A link code taken from the Connect Telegram page, as a person would."""
    page = client.post("/shop/telegram/code/")
    assert page.status_code == 200
    match = re.search(r"/start ([A-Z0-9]{10})", page.content.decode())
    assert match, page.content[:500]
    return match.group(1)


@pytest.fixture
def shopper(db):
    user = UserFactory(username="tg-shopper")
    fund(user, "10.00")
    return user


@pytest.fixture
def stocked_shop(provider):  # noqa: F811
    """12 proxies at the provider (DE and US, every type), synced into the shop."""
    for _ in range(6):
        provider.add_proxy(country_code="DE", country="Germany", city="Berlin")
    for _ in range(6):
        provider.add_proxy(country_code="US", country="United States", city="Dallas")
    proxies_sync(trigger="test")
    return provider


class PollingBot:
    """`Poller` (what manage.py telegram_bot runs) in a thread of this process."""

    def __init__(self) -> None:
        self.poller = Poller()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.poller.run()
        finally:
            connection.close()

    def start(self) -> PollingBot:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.poller.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


@pytest.fixture
def polling_bot(bot_api, transactional_db) -> Iterator[PollingBot]:
    bot = PollingBot().start()
    yield bot
    bot.stop()


@pytest.fixture
def webhook_bot(bot_api, live_server) -> Iterator[None]:
    """The webhook registered by `manage.py telegram_bot --once` in webhook mode; the fake
    POSTs every update to the live server."""
    configure(mode="webhook", webhook_url=f"{live_server.url}/telegram/webhook")
    call_command("telegram_bot", "--once")
    assert bot_api.webhook == {"url": f"{live_server.url}/telegram/webhook", "secret": SECRET}
    yield
    bot_api.webhook = {}


@pytest.fixture(params=["polling", "webhook"])
def running_bot(request, bot_api):
    """The bot in either mode (the same tests run against both)."""
    request.getfixturevalue(f"{request.param}_bot")
    return request.param
