"""The one client of the Telegram Bot API (docs/upstream.md), on python-telegram-bot's `Bot`.

Everything about the wire lives here: the base URL and token (settings registry
`telegram.api_url`, `telegram.bot_token`), inline keyboards, updates parsed from JSON, and the
Bot API's error answers turned into typed errors:

    RetryLater (429, `.retry_after` seconds)   ChatUnreachable (403: blocked, kicked)
    NotModified (400 "message is not modified") QueryTooOld (400 on a late answerCallbackQuery)
    BotApiConflict (409: webhook active / another poller)   Unavailable (timeouts, 5xx)
    BotApiError (anything else)

python-telegram-bot is asynchronous and the platform is not (WSGI views, Celery tasks,
management commands). Each process runs one event loop in a daemon thread; the synchronous
methods below submit coroutines to it and wait. The `Bot` objects (and their httpx connection
pools, kept alive between calls) belong to that loop. Error texts pass through
`shopbot.redact.redact`: the Bot API's URLs contain the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import warnings
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import telegram
from telegram import error as tg_error
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from core.registry import settings_get_many

from .redact import redact

CALLBACK_DATA_MAX = 64  # bytes, Bot API limit
ALLOWED_UPDATES = ("message", "callback_query")
_NO_PREVIEW = telegram.LinkPreviewOptions(is_disabled=True)
# python-telegram-bot 22 warns on every 429 that `RetryAfter.retry_after` will become a
# timedelta; `_retry_after` below accepts both, so the warning says nothing to operators.
warnings.filterwarnings("ignore", message=".*`retry_after`.*", category=PTBDeprecationWarning)


class BotApiError(Exception):
    def __init__(self, method: str, description: str) -> None:
        self.method = method
        self.description = redact(description)[:500]
        super().__init__(f"{method}: {self.description}")


class RetryLater(BotApiError):
    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(method, f"Too Many Requests: retry after {retry_after:g}")
        self.retry_after = retry_after


class ChatUnreachable(BotApiError):
    """403: the user blocked the bot, or the bot was removed from the chat."""


class NotModified(BotApiError):
    """400 "message is not modified": an edit that changes nothing (harmless)."""


class QueryTooOld(BotApiError):
    """400 on answerCallbackQuery long after the press (harmless)."""


class BotApiConflict(BotApiError):
    """409: getUpdates while a webhook is set, or two pollers at once."""


class Unavailable(BotApiError):
    """Timeout, dropped connection or a 5xx: the call may be repeated."""


@dataclass(frozen=True)
class Button:
    """An inline button: `data` is the callback_data sent back on a press (≤ 64 bytes)."""

    text: str
    data: str = ""
    url: str = ""


Keyboard = Sequence[Sequence[Button]]


def _markup(keyboard: Keyboard | None) -> telegram.InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    rows = []
    for row in keyboard:
        buttons = []
        for button in row:
            if button.url:
                buttons.append(telegram.InlineKeyboardButton(button.text, url=button.url))
                continue
            if len(button.data.encode()) > CALLBACK_DATA_MAX:
                raise ValueError(f"callback_data over {CALLBACK_DATA_MAX} bytes: {button.data!r}")
            buttons.append(telegram.InlineKeyboardButton(button.text, callback_data=button.data))
        rows.append(buttons)
    return telegram.InlineKeyboardMarkup(rows)


def _retry_after(exc: tg_error.RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _translate(method: str, exc: tg_error.TelegramError) -> BotApiError:
    text = str(exc.message if hasattr(exc, "message") else exc)
    lowered = text.lower()
    if isinstance(exc, tg_error.RetryAfter):
        return RetryLater(method, _retry_after(exc))
    if isinstance(exc, tg_error.Forbidden):
        return ChatUnreachable(method, text)
    if isinstance(exc, tg_error.BadRequest):
        if "not modified" in lowered:
            return NotModified(method, text)
        if "query is too old" in lowered or "query id is invalid" in lowered:
            return QueryTooOld(method, text)
        return BotApiError(method, text)
    if isinstance(exc, tg_error.Conflict):
        return BotApiConflict(method, text)
    if isinstance(exc, tg_error.InvalidToken):
        return BotApiError(method, "the Bot API refused the bot token")
    if isinstance(exc, tg_error.NetworkError):  # TimedOut, 5xx, connection errors
        return Unavailable(method, text or type(exc).__name__)
    return BotApiError(method, text)


class _Loop:
    """This process's event loop thread (created after a fork, never inherited)."""

    _instance: _Loop | None = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.bots: dict[tuple, telegram.Bot] = {}
        threading.Thread(target=self.loop.run_forever, name="telegram-bot-api", daemon=True).start()

    @classmethod
    def get(cls) -> _Loop:
        with cls._guard:
            if cls._instance is None or cls._instance.pid != os.getpid():
                cls._instance = cls()
            return cls._instance

    def run(self, coro: Coroutine, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def bot(self, api_url: str, token: str, timeout: float) -> telegram.Bot:
        key = (api_url, token, timeout)
        with self._guard:
            bot = self.bots.get(key)
            if bot is None:
                if len(self.bots) >= 4:  # settings changed: let the oldest pool go
                    old_key = next(iter(self.bots))
                    old = self.bots.pop(old_key)
                    asyncio.run_coroutine_threadsafe(old.shutdown(), self.loop)
                bot = self.bots[key] = telegram.Bot(
                    token,
                    base_url=api_url.rstrip("/") + "/bot",
                    request=HTTPXRequest(
                        connection_pool_size=32,
                        read_timeout=timeout,
                        write_timeout=timeout,
                        connect_timeout=timeout,
                        pool_timeout=timeout,
                    ),
                    get_updates_request=HTTPXRequest(
                        connection_pool_size=1,
                        read_timeout=timeout,
                        write_timeout=timeout,
                        connect_timeout=timeout,
                    ),
                )
            return bot


class BotClient:
    """Synchronous Bot API calls. Reads the URL, token and timeout from the registry unless
    given; cheap to create (the connection pool is shared per process)."""

    def __init__(
        self, *, api_url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        values = settings_get_many(["telegram.api_url", "telegram.bot_token", "telegram.timeout"])
        self.api_url = api_url or values["telegram.api_url"]
        token = token or values["telegram.bot_token"]
        if not token:
            raise BotApiError("init", "no bot token configured (TELEGRAM_BOT_TOKEN)")
        self.timeout = float(timeout or Decimal(values["telegram.timeout"]))
        self._loop = _Loop.get()
        self._bot = self._loop.bot(self.api_url, token, self.timeout)

    def _call(self, method: str, coro: Coroutine, *, extra_wait: float = 0.0) -> Any:
        try:
            return self._loop.run(coro, self.timeout * 3 + extra_wait + 5)
        except tg_error.TelegramError as exc:
            raise _translate(method, exc) from None
        except TimeoutError:
            raise Unavailable(method, "no answer in time") from None

    # --- messages ---
    def send_message(
        self, chat_id: int, text: str, *, keyboard: Keyboard | None = None, html: bool = False
    ) -> int:
        message = self._call(
            "sendMessage",
            self._bot.send_message(
                chat_id,
                text,
                parse_mode="HTML" if html else None,
                reply_markup=_markup(keyboard),
                link_preview_options=_NO_PREVIEW,
            ),
        )
        return message.message_id

    def edit_message(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        *,
        keyboard: Keyboard | None = None,
        html: bool = False,
    ) -> None:
        """Change a message the bot sent; an edit that changes nothing is not an error."""
        with contextlib.suppress(NotModified):
            self._call(
                "editMessageText",
                self._bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode="HTML" if html else None,
                    reply_markup=_markup(keyboard),
                    link_preview_options=_NO_PREVIEW,
                ),
            )

    def answer_callback(self, query_id: str, text: str = "", *, alert: bool = False) -> None:
        """Stop the button's spinner (with a toast or an alert); a late answer is harmless."""
        with contextlib.suppress(QueryTooOld):
            self._call(
                "answerCallbackQuery",
                self._bot.answer_callback_query(query_id, text=text or None, show_alert=alert),
            )

    def send_document(
        self, chat_id: int, *, filename: str, content: bytes, caption: str = ""
    ) -> int:
        """Upload `content` as a file (multipart/form-data)."""
        message = self._call(
            "sendDocument",
            self._bot.send_document(
                chat_id,
                telegram.InputFile(content, filename=filename),
                caption=caption or None,
                filename=filename,
            ),
        )
        return message.message_id

    # --- receiving updates ---
    def get_updates(self, *, offset: int | None, timeout: int) -> tuple[telegram.Update, ...]:
        """Long polling: waits up to `timeout` seconds for updates after `offset` (which also
        confirms every earlier one to Telegram)."""
        return self._call(
            "getUpdates",
            self._bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES)
            ),
            extra_wait=timeout,
        )

    def parse_update(self, data: dict) -> telegram.Update:
        """An Update from a webhook body; ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not a Telegram update")
        try:
            return telegram.Update.de_json(data, self._bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"malformed update: {type(exc).__name__}") from None

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        self._call(
            "setWebhook",
            self._bot.set_webhook(
                url, secret_token=secret_token, allowed_updates=list(ALLOWED_UPDATES)
            ),
        )

    def delete_webhook(self) -> None:
        self._call("deleteWebhook", self._bot.delete_webhook())

    def set_commands(self, commands: Sequence[tuple[str, str]], *, language: str = "") -> None:
        self._call(
            "setMyCommands",
            self._bot.set_my_commands(
                [telegram.BotCommand(name, description) for name, description in commands],
                language_code=language or None,
            ),
        )
