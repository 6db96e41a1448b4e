"""The people on the other side of the fake Bot API (fakes/botapi.py): the updates they make
(messages, button presses) in the Bot API's JSON shape, the bot's messages in each chat as they
look now, and the `/_fake/...` control routes that drive it from another process."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from fakes.http import FakeRequest, FakeResponse


@dataclass
class Entry:
    """One update and what became of it (times are time.monotonic())."""

    update_id: int
    chat_id: int
    update: dict | None
    pending_press: tuple | None = None
    released_at: float = 0.0
    first_released_at: float = 0.0
    handled_at: float = 0.0
    reply_at: float = 0.0
    deliveries: int = 0
    failed: bool = False


class UpdateFactory:
    """Builds updates as Telegram sends them and keeps every chat's messages (the caller holds
    the fake's lock)."""

    def __init__(self, *, bot: dict) -> None:
        self.bot = bot
        self.chats: dict[int, list[dict]] = {}
        self.queries: dict[str, float] = {}  # callback query id -> when it was made
        self._message_ids: dict[int, itertools.count] = {}
        self._query_ids = itertools.count(5_000_000_001)

    def _user(self, user_id: int, *, lang: str = "en", username: str = "", **_: Any) -> dict:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
            "username": username or f"user{user_id}",
            "language_code": lang,
        }

    def _chat(self, user_id: int, *, chat_id: int | None = None, chat_type: str = "private",
              **_: Any) -> dict:  # fmt: skip
        if chat_type == "private":
            return {"id": user_id, "type": "private", "first_name": f"User {user_id}"}
        return {"id": chat_id, "type": chat_type, "title": f"Chat {chat_id}"}

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def message(self, update_id: int, user_id: int, text: str, **user: Any) -> dict:
        chat = self._chat(user_id, **user)
        body: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": self._user(user_id, **user),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {"update_id": update_id, "message": body}

    def callback(self, update_id: int, user_id: int, message: dict, data: str, **user: Any) -> dict:
        query_id = str(next(self._query_ids))
        self.queries[query_id] = time.monotonic()
        return {
            "update_id": update_id,
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, **user),
                "message": json.loads(json.dumps(message)),
                "chat_instance": str(message["chat"]["id"]),
                "data": data,
            },
        }

    def bot_message(self, chat_id: int, text: str, markup: dict) -> dict:
        chat = (
            {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
        )
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if markup:
            message["reply_markup"] = markup
        self.chats.setdefault(chat_id, []).append(message)
        return message

    def messages(self, chat_id: int) -> list[dict]:
        return list(self.chats.get(chat_id, []))

    def find(self, chat_id: int, message_id: int) -> dict | None:
        for message in self.chats.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def newest(self, chat_id: int) -> dict:
        messages = self.chats.get(chat_id)
        if not messages:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return messages[-1]

    def find_button(self, chat_id: int, label: str, nth: int = 0) -> tuple[dict, str]:
        """(message, callback_data) of the button labelled `label` on the newest message
        that has one: an exact label first, else one containing `label`; the `nth` of them
        (counted round) when the message has several."""
        for exact in (True, False):
            for message in reversed(self.chats.get(chat_id, [])):
                found = [
                    button["callback_data"]
                    for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                    for button in row
                    if "callback_data" in button
                    and (button.get("text") == label if exact else label in button.get("text", ""))
                ]
                if found:
                    return message, found[nth % len(found)]
        raise LookupError(f"no button {label!r} in chat {chat_id}")


def control(fake, request: FakeRequest) -> FakeResponse:
    """`/_fake/say` {"user_id", "text", "lang"}, `/_fake/press` {"user_id", "label"},
    `/_fake/script` {"chats": {"<user_id>": ["text" or {"press": label, "nth": n}, ...]},
    "lang"},
    `/_fake/chat/<id>` (the bot's messages there), `/_fake/stats` (per update: released,
    first answer, handled; for the benchmark), `/_fake/reset-stats`."""
    path = request.path.removeprefix("/_fake/")
    body = request.json() if request.body else {}
    if path == "say":
        update_id = fake.say(int(body["user_id"]), body["text"], lang=body.get("lang", "en"))
        return FakeResponse.json({"update_id": update_id})
    if path == "press":
        try:
            update_id = fake.press(int(body["user_id"]), body["label"])
        except LookupError as exc:
            return FakeResponse.json({"error": str(exc)}, status=404)
        return FakeResponse.json({"update_id": update_id})
    if path == "script":
        ids = []
        lang = body.get("lang", "en")
        for user_id, steps in body["chats"].items():
            for step in steps:
                if isinstance(step, dict):
                    nth = int(step.get("nth", 0))
                    ids.append(fake.press_later(int(user_id), step["press"], nth=nth, lang=lang))
                else:
                    ids.append(fake.say(int(user_id), step, lang=lang))
        return FakeResponse.json({"update_ids": ids})
    if path.startswith("chat/"):
        return FakeResponse.json(fake.chat(int(path.removeprefix("chat/"))))
    if path == "stats":
        rows = [
            {
                "update_id": e.update_id,
                "chat_id": e.chat_id,
                "released": e.first_released_at,
                "reply": e.reply_at,
                "handled": e.handled_at,
                "deliveries": e.deliveries,
                "failed": e.failed,
            }
            for e in fake.entries()
        ]
        return FakeResponse.json({"updates": rows, "sent": len(fake.sent)})
    return FakeResponse.json({"error": "unknown control route"}, status=404)
