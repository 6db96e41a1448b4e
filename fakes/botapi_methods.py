"""The Bot API methods of the fake (fakes/botapi.py): their parameters (JSON, form or
multipart), answers and error answers, and the record of what the bot sent."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs

from fakes.botapi_users import Entry, UpdateFactory
from fakes.http import FakeRequest, FakeResponse


@dataclass
class Sent:
    method: str
    chat_id: int | None
    text: str = ""
    keyboard: list = field(default_factory=list)
    message_id: int | None = None
    document: tuple[str, bytes] | None = None
    params: dict = field(default_factory=dict)
    at: float = 0.0


def bot_error(status: int, description: str, **parameters: Any) -> FakeResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return FakeResponse.json(body, status=status)


def bot_ok(result: Any) -> FakeResponse:
    return FakeResponse.json({"ok": True, "result": result})


def method_params(request: FakeRequest) -> tuple[dict, dict[str, tuple[str, bytes]]]:
    """A method's parameters (JSON, form or multipart) and its uploaded files."""
    ctype = request.headers.get("content-type", "")
    params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    files: dict[str, tuple[str, bytes]] = {}
    if ctype.startswith("application/json"):
        params.update(json.loads(request.body or b"{}"))
    elif ctype.startswith("multipart/form-data"):
        head = f"Content-Type: {ctype}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.body)
        for part in message.iter_parts():
            # A form part's name is a plain string; its decoded payload is bytes.
            name = cast(str, part.get_param("name", header="content-disposition"))
            payload = cast(bytes, part.get_payload(decode=True) or b"")
            filename = part.get_filename()
            if filename:
                files[name] = (filename, payload)
            else:
                params[name] = payload.decode()
    elif request.body:
        params.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
    for key in ("reply_markup", "allowed_updates", "commands"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params, files


class BotMethods:
    """Mixed into FakeBotAPI, whose state (`users`, `sent`, `blocked`, `_cond`, ...) it uses."""

    if TYPE_CHECKING:  # FakeBotAPI's state and helpers
        users: UpdateFactory
        sent: list[Sent]
        blocked: set[int]
        commands: dict[str, list[Any]]
        webhook: dict[str, str]
        callback_ttl: float | None
        _entries: dict[int, Entry]
        _cond: threading.Condition
        _answered: set[str]
        _stop: threading.Event

        def _ready(self, *, again: bool = False) -> list[Entry]: ...
        def _release(self, entry: Entry) -> None: ...

    def _m_getMe(self, params, files):
        return bot_ok({**self.users.bot, "username": "fake_shop_bot", "can_join_groups": True})

    def _m_getUpdates(self, params, files):
        if self.webhook:
            return bot_error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 50)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            now = time.monotonic()
            for entry in self._entries.values():
                if entry.update_id < offset and entry.released_at and not entry.handled_at:
                    entry.handled_at = now
            self._cond.notify_all()
            while True:
                ready = [e for e in self._ready(again=True) if e.update_id >= offset][:limit]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self._stop.is_set():
                    break
                self._cond.wait(min(left, 0.5))
            for entry in ready:
                self._release(entry)
            return bot_ok([entry.update for entry in ready])

    def _m_setWebhook(self, params, files):
        with self._cond:
            self.webhook = {"url": params["url"], "secret": params.get("secret_token", "")}
            self._cond.notify_all()
        return bot_ok(True)

    def _m_deleteWebhook(self, params, files):
        with self._cond:
            self.webhook = {}
        return bot_ok(True)

    def _m_getWebhookInfo(self, params, files):
        pending = sum(1 for e in self._entries.values() if not e.handled_at)
        return bot_ok({"url": self.webhook.get("url", ""), "pending_update_count": pending})

    def _m_setMyCommands(self, params, files):
        self.commands[params.get("language_code") or ""] = params["commands"]
        return bot_ok(True)

    def _record(self, method: str, chat_id: int | None, **fields: Any) -> None:
        with self._cond:
            now = time.monotonic()
            self.sent.append(Sent(method, chat_id, at=now, **fields))
            for entry in self._entries.values():  # the first answer to the update in flight
                if entry.released_at and not entry.handled_at and not entry.reply_at:
                    query = (entry.update or {}).get("callback_query", {}).get("id")
                    if (chat_id is not None and entry.chat_id == chat_id) or (
                        query and query == fields.get("params", {}).get("callback_query_id")
                    ):
                        entry.reply_at = now

    def _m_sendMessage(self, params, files):
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return bot_error(403, "Forbidden: bot was blocked by the user")
        markup = params.get("reply_markup") or {}
        with self._cond:
            message = self.users.bot_message(chat_id, params["text"], markup)
        self._record(
            "sendMessage",
            chat_id,
            text=params["text"],
            keyboard=markup.get("inline_keyboard", []),
            message_id=message["message_id"],
            params=params,
        )
        return bot_ok(message)

    def _m_editMessageText(self, params, files):
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return bot_error(403, "Forbidden: bot was blocked by the user")
        markup = params.get("reply_markup") or {}
        with self._cond:
            message = self.users.find(chat_id, int(params["message_id"]))
            if message is None:
                return bot_error(400, "Bad Request: message to edit not found")
            if message["text"] == params["text"] and message.get("reply_markup", {}) == markup:
                return bot_error(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            message["text"] = params["text"]
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
        self._record(
            "editMessageText",
            chat_id,
            text=params["text"],
            keyboard=markup.get("inline_keyboard", []),
            message_id=message["message_id"],
            params=params,
        )
        return bot_ok(message)

    def _m_answerCallbackQuery(self, params, files):
        query_id = str(params["callback_query_id"])
        with self._cond:
            created = self.users.queries.get(query_id)
            too_old = created is None or query_id in self._answered
            if self.callback_ttl is not None and created is not None:
                too_old = too_old or time.monotonic() - created > self.callback_ttl
            self._answered.add(query_id)
        if too_old:
            return bot_error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._record("answerCallbackQuery", None, text=params.get("text") or "", params=params)
        return bot_ok(True)

    def _m_sendDocument(self, params, files):
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return bot_error(403, "Forbidden: bot was blocked by the user")
        if "document" not in files:
            return bot_error(400, "Bad Request: there is no document in the request")
        filename, content = files["document"]
        with self._cond:
            message = self.users.bot_message(chat_id, "", {})
            message.pop("text")
            message["caption"] = params.get("caption", "")
            message["document"] = {
                "file_id": f"doc-{message['message_id']}",
                "file_unique_id": f"u{message['message_id']}",
                "file_name": filename,
                "file_size": len(content),
            }
        self._record(
            "sendDocument",
            chat_id,
            text=params.get("caption", ""),
            message_id=message["message_id"],
            document=(filename, content),
            params=params,
        )
        return bot_ok(message)
