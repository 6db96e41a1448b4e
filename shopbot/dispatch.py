"""One Telegram update, handled exactly once, the same way in polling and webhook mode.

`update_process` drops what the bot does not handle, applies the per-chat rate limit, claims
the update_id (services/updates.py), then runs the handler inside the actor context
(`core.context.acting`: the linked platform user or nobody, request id `tg-<update_id>`,
channel "bot", so every shop service and audit record knows who acted and from where) and in
the user's language. Whatever happens in the handler is recorded (BotError) and the update is
marked finished; only a failure to claim or finish it (database down) reaches the caller, who
lets Telegram deliver it again.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import telegram
from django.utils import translation
from django.utils.translation import gettext as _

from core.context import acting
from core.registry import setting_get

from .botapi import BotApiError, BotClient, ChatUnreachable, Keyboard, RetryLater
from .models import BotError, ProcessedUpdate, TelegramLink
from .ratelimit import chat_allowed
from .selectors import link_for_telegram
from .services.updates import bot_error_record, update_claim, update_finish

logger = logging.getLogger(__name__)
REPLY_RETRY_MAX_WAIT = 5.0  # seconds a reply waits for a 429 before it is dropped


def language_of(code: str | None) -> str:
    return "ru" if (code or "").lower().startswith("ru") else "en"


@dataclass
class Incoming:
    """What a handler needs to know about the update."""

    update_id: int
    kind: str
    chat_id: int
    chat_type: str
    telegram_id: int
    username: str = ""
    language: str = "en"
    language_code: str = ""
    text: str = ""
    command: str = ""
    args: list[str] = field(default_factory=list)
    callback_id: str = ""
    data: str = ""
    message_id: int | None = None
    link: TelegramLink | None = None

    @property
    def user(self) -> Any:
        return self.link.user if self.link else None

    @property
    def private(self) -> bool:
        return self.chat_type == "private"


def incoming_from(update: telegram.Update) -> Incoming | None:
    """The update as the handlers see it; None for kinds the bot does not handle."""
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        if message is None or query.from_user is None:
            return None
        return Incoming(
            update_id=update.update_id,
            kind="callback_query",
            chat_id=message.chat.id,
            chat_type=message.chat.type,
            telegram_id=query.from_user.id,
            username=query.from_user.username or "",
            language=language_of(query.from_user.language_code),
            language_code=query.from_user.language_code or "",
            callback_id=query.id,
            data=query.data or "",
            message_id=message.message_id,
        )
    message = update.message
    if message is None or message.from_user is None or message.text is None:
        return None
    text = message.text.strip()
    command, args = "", []
    if text.startswith("/"):
        head, *args = text.split()
        command = head[1:].split("@", 1)[0].lower()
    return Incoming(
        update_id=update.update_id,
        kind="message",
        chat_id=message.chat.id,
        chat_type=message.chat.type,
        telegram_id=message.from_user.id,
        username=message.from_user.username or "",
        language=language_of(message.from_user.language_code),
        language_code=message.from_user.language_code or "",
        text=text[:4096],
        command=command[:32],
        args=args[:10],
        message_id=message.message_id,
    )


class Reply:
    """The bot's answers to one update. A pressed button is always answered
    (answerCallbackQuery) once, by `toast` or at the end."""

    def __init__(self, client: BotClient, incoming: Incoming) -> None:
        self.client = client
        self.incoming = incoming
        self.answered = incoming.kind != "callback_query"

    def _retrying(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except RetryLater as exc:
            if exc.retry_after > REPLY_RETRY_MAX_WAIT:
                raise
            time.sleep(exc.retry_after)
            return call()

    def send(self, text: str, keyboard: Keyboard | None = None, *, html: bool = False) -> int:
        chat = self.incoming.chat_id
        return self._retrying(
            lambda: self.client.send_message(chat, text, keyboard=keyboard, html=html)
        )

    def show(self, text: str, keyboard: Keyboard | None = None, *, html: bool = False) -> None:
        """Replace the message whose button was pressed; a new message for a command."""
        if self.incoming.kind == "callback_query" and self.incoming.message_id:
            chat, message = self.incoming.chat_id, self.incoming.message_id
            self._retrying(
                lambda: self.client.edit_message(chat, message, text, keyboard=keyboard, html=html)
            )
        else:
            self.send(text, keyboard, html=html)

    def toast(self, text: str = "", *, alert: bool = False) -> None:
        if self.answered:
            return
        self.answered = True
        query = self.incoming.callback_id
        self._retrying(lambda: self.client.answer_callback(query, text, alert=alert))

    def document(self, *, filename: str, content: bytes, caption: str = "") -> None:
        chat = self.incoming.chat_id
        self._retrying(
            lambda: self.client.send_document(
                chat, filename=filename, content=content, caption=caption
            )
        )

    def close(self) -> None:
        self.toast()


def _refuse_flood(client: BotClient, incoming: Incoming) -> None:
    with translation.override(incoming.language):
        text = _("Too many messages. Please wait a minute and try again.")
    try:
        if incoming.kind == "callback_query":
            client.answer_callback(incoming.callback_id, text)
        else:
            client.send_message(incoming.chat_id, text)
    except BotApiError:
        pass


def update_process(update: telegram.Update, *, source: str, client: BotClient | None = None) -> str:
    """Handle `update` once; returns what happened: handled, failed, ignored, duplicate or
    rate_limited. Raises only when the update cannot be claimed or finished (database)."""
    from .handlers import route

    incoming = incoming_from(update)
    if incoming is None:
        return "ignored"
    client = client or BotClient()
    allowed, first_refusal = chat_allowed(incoming.chat_id)
    if not allowed:
        if first_refusal:
            _refuse_flood(client, incoming)
        return "rate_limited"
    lease = 0 if source == "polling" else setting_get("telegram.update_lease")
    claimed = update_claim(
        update_id=incoming.update_id,
        kind=incoming.kind,
        chat_id=incoming.chat_id,
        source=source,
        lease_seconds=lease,
    )
    if not claimed:
        return "duplicate"
    incoming.link = link_for_telegram(telegram_id=incoming.telegram_id)
    outcome = ProcessedUpdate.Outcome.HANDLED
    reply = Reply(client, incoming)
    error: tuple[str, str, str] | None = None
    with (
        acting(
            user=incoming.user,
            token=None,
            accessor="",
            ip="",
            request_id=f"tg-{incoming.update_id}",
            channel="bot",
        ),
        translation.override(incoming.language),
    ):
        try:
            try:
                route(incoming, reply)
            finally:
                reply.close()
        except ChatUnreachable as exc:
            error = (BotError.Kind.BLOCKED, exc.description, exc.method)
        except BotApiError as exc:
            error = (BotError.Kind.API, exc.description, exc.method)
        except Exception as exc:
            logger.exception("bot handler failed on update %s", incoming.update_id)
            outcome = ProcessedUpdate.Outcome.FAILED
            error = (BotError.Kind.HANDLER, traceback.format_exc(limit=8), type(exc).__name__)
            with contextlib.suppress(BotApiError):
                client.send_message(incoming.chat_id, _("Sorry, something went wrong. Try again."))
    if error is not None:
        bot_error_record(
            kind=error[0],
            error=error[1],
            update_id=incoming.update_id,
            chat_id=incoming.chat_id,
            method=error[2],
        )
    update_finish(update_id=incoming.update_id, outcome=outcome)
    return outcome
