"""A fake Telegram Bot API server on 127.0.0.1 (docs/upstream.md, "Telegram Bot API").

    fake = FakeBotAPI(token="123:abc").start()
    fake.url                          # TELEGRAM_BOT_API_URL; methods at /bot<token>/<method>
    uid = fake.say(1001, "/start", lang="ru")   # a user writes to the bot; returns update_id
    fake.wait_handled(uid)            # polling: a later getUpdates confirmed it (offset);
                                      # webhook: the bot's server answered its POST with 2xx
    fake.press(1001, "Confirm")       # presses the button so labelled on the bot's newest
                                      # message that has one (a callback_query update)
    fake.sent                         # every sendMessage/editMessageText/answerCallbackQuery/
                                      # sendDocument, in order (Sent records)
    fake.chat(1001)                   # the bot's messages there as they look now (after edits)
    fake.fail("sendMessage", status=429, retry_after=2)   # next call answers that error
    fake.blocked.add(1001)            # 403 "Forbidden: bot was blocked by the user"

Like Telegram, it keeps updates until getUpdates confirms them with `offset`, answers 409 to
getUpdates while a webhook is set, POSTs updates to the webhook with the
`X-Telegram-Bot-Api-Secret-Token` header and redelivers those not answered with a 2xx, answers
400 "message is not modified" to an edit that changes nothing, and accepts parameters as JSON,
form or multipart (sendDocument). A user waits for the bot: a chat's next update is released
only once the previous one was handled. `/_fake/...` routes drive it from another process
(bench/telegram_bot.py, the `make run` demo).
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from fakes.botapi_methods import BotMethods, Sent, bot_error, method_params
from fakes.botapi_users import Entry, UpdateFactory, control
from fakes.http import FakeHTTPServer, FakeRequest, FakeResponse

BOT_ID = 7000001
REPLY_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery", "sendDocument")


class FakeBotAPI(BotMethods):
    def __init__(
        self,
        token: str = "123456:fake-bot-token",  # noqa: S107
        port: int = 0,
        *,
        webhook_connections: int = 8,
        retry_delay: float = 0.2,
        max_deliveries: int = 5,
    ) -> None:
        self.token = token
        self.server = FakeHTTPServer(port=port)
        self.users = UpdateFactory(bot={"id": BOT_ID, "is_bot": True, "first_name": "Shop bot"})
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, float, str]] = []  # every method call: name, when, chat
        self.blocked: set[int] = set()
        self.commands: dict[str, list] = {}
        self.webhook: dict[str, str] = {}
        self.callback_ttl: float | None = None
        self.webhook_connections = webhook_connections
        self.retry_delay = retry_delay
        self.max_deliveries = max_deliveries
        self._entries: dict[int, Entry] = {}
        self._failures: dict[str, list[dict]] = {}
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._answered: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight = 0
        self._http = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=64))
        self._stop = threading.Event()
        self.server.route("*", "/bot*", self._method)
        self.server.route("*", "/_fake/*", self._control)

    # --- lifecycle ---
    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> FakeBotAPI:
        self.server.start()
        self.start_delivery()
        return self

    def start_delivery(self) -> None:
        self._pool = ThreadPoolExecutor(self.webhook_connections)
        threading.Thread(target=self._deliver_loop, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self.server.stop()
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def reset(self) -> None:
        """Forget every update, message, failure, blocked chat and the webhook."""
        with self._cond:
            self._entries.clear()
            self._failures.clear()
            self._answered.clear()
            self.sent.clear()
            self.calls.clear()
            self.blocked.clear()
            self.commands.clear()
            self.webhook = {}
            self.callback_ttl = None
            self.users.chats.clear()
            self.users.queries.clear()
            self.server.requests.clear()
            self._cond.notify_all()

    # --- users ---
    def _add(self, entry: Entry) -> int:
        with self._cond:
            self._entries[entry.update_id] = entry
            self._cond.notify_all()
        return entry.update_id

    def say(self, user_id: int, text: str, **user: Any) -> int:
        """A user sends `text` (lang=, username=, chat_id=, chat_type= for groups)."""
        update = self.users.message(next(self._ids), user_id, text, **user)
        return self._add(Entry(update["update_id"], user.get("chat_id", user_id), update))

    def press(self, user_id: int, label: str, **user: Any) -> int:
        """A user presses the button labelled `label` (exact, else the one containing it) on
        the bot's newest message in their chat that has it."""
        chat_id = user.get("chat_id", user_id)
        with self._cond:
            message, data = self.users.find_button(chat_id, label)
            update = self.users.callback(next(self._ids), user_id, message, data, **user)
        return self._add(Entry(update["update_id"], chat_id, update))

    def press_data(self, user_id: int, data: str, **user: Any) -> int:
        """A callback with any `data` (forged, stale) on the bot's newest message there."""
        chat_id = user.get("chat_id", user_id)
        with self._cond:
            message = self.users.newest(chat_id)
            update = self.users.callback(next(self._ids), user_id, message, data, **user)
        return self._add(Entry(update["update_id"], chat_id, update))

    def press_later(self, user_id: int, label: str, *, nth: int = 0, **user: Any) -> int:
        """Like `press`, but the button is looked up when the update is released (after the
        bot answered the chat's previous update): scripted sessions (the benchmark). `nth`
        picks among several buttons that match."""
        entry = Entry(next(self._ids), user.get("chat_id", user_id), None)
        entry.pending_press = (user_id, label, user, nth)
        return self._add(entry)

    def handled(self, update_id: int) -> bool:
        entry = self._entries.get(update_id)
        return bool(entry and entry.handled_at)

    def wait_handled(self, update_id: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.handled(update_id):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"update {update_id} not handled in {timeout} s")
                self._cond.wait(min(left, 0.2))

    def deliveries(self, update_id: int) -> int:
        return self._entries[update_id].deliveries

    def entries(self) -> list[Entry]:
        with self._cond:
            return sorted(self._entries.values(), key=lambda e: e.update_id)

    # --- what the bot did ---
    def chat(self, chat_id: int) -> list[dict]:
        return self.users.messages(chat_id)

    def sent_to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        return [
            s for s in self.sent if s.chat_id == chat_id and (method is None or s.method == method)
        ]

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str = "",
        times: int = 1,
    ) -> None:
        default = {429: "Too Many Requests: retry after {}", 403: "Forbidden"}.get(
            status, "Internal Server Error"
        )
        text = description or default.format(retry_after)
        failure = {"status": status, "description": text, "retry_after": retry_after}
        with self._cond:
            self._failures.setdefault(method, []).extend([failure] * times)

    # --- the Bot API ---
    def _method(self, request: FakeRequest) -> FakeResponse:
        parts = request.path.split("/")
        if len(parts) != 3 or parts[1] != f"bot{self.token}":
            return bot_error(401, "Unauthorized")
        method = parts[2]
        try:
            params, files = method_params(request)
        except (ValueError, UnicodeDecodeError):
            return bot_error(400, "Bad Request: can't parse parameters")
        with self._cond:
            self.calls.append((method, time.monotonic(), str(params.get("chat_id", ""))))
            queue = self._failures.get(method)
            if queue:
                failure = queue.pop(0)
                extra = {"retry_after": failure["retry_after"]} if failure["retry_after"] else {}
                return bot_error(failure["status"], failure["description"], **extra)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return bot_error(404, "Not Found")
        try:
            return handler(params, files)
        except (KeyError, ValueError, TypeError) as exc:
            return bot_error(400, f"Bad Request: {exc}")

    # --- releasing and delivering updates ---
    def _ready(self, *, again: bool = False) -> list[Entry]:
        """Updates that may go out now: each chat's oldest unhandled one (its user waits for
        the answer), if not handed out yet; with `again`, also if handed out but unconfirmed
        (getUpdates repeats those until an offset confirms them). The caller holds the lock."""
        busy: set[int] = set()
        out = []
        for entry in sorted(self._entries.values(), key=lambda e: e.update_id):
            if entry.handled_at or entry.chat_id in busy:
                continue
            busy.add(entry.chat_id)
            if again or not entry.released_at:
                out.append(entry)
        return out

    def _release(self, entry: Entry) -> None:
        if entry.update is None and entry.pending_press:
            user_id, label, user, nth = entry.pending_press
            try:
                message, data = self.users.find_button(entry.chat_id, label, nth)
            except LookupError:
                message, data = self.users.newest(entry.chat_id), f"missing:{label}"[:64]
            entry.update = self.users.callback(entry.update_id, user_id, message, data, **user)
        entry.released_at = time.monotonic()
        entry.first_released_at = entry.first_released_at or entry.released_at
        entry.deliveries += 1

    def _deliver_loop(self) -> None:
        """Up to `webhook_connections` deliveries at once (Telegram's max_connections); an
        update counts as released when its POST starts."""
        while not self._stop.is_set():
            with self._cond:
                free = self.webhook_connections - self._in_flight
                ready = self._ready()[:free] if self.webhook and free > 0 else []
                if not ready:
                    self._cond.wait(0.5)
                    continue
                for entry in ready:
                    self._release(entry)
                    self._in_flight += 1
                    assert self._pool is not None, "start_delivery() made it before this loop"
                    self._pool.submit(self._post, entry, dict(self.webhook))

    def _post(self, entry: Entry, webhook: dict) -> None:
        try:
            response = self._http.post(
                webhook["url"],
                json=entry.update,
                headers={"X-Telegram-Bot-Api-Secret-Token": webhook["secret"]},
            )
            delivered = 200 <= response.status_code < 300
        except httpx.HTTPError:
            delivered = False
        if not delivered and entry.deliveries < self.max_deliveries and not self._stop.is_set():
            time.sleep(self.retry_delay)
            with self._cond:
                entry.released_at = 0.0  # released again by the delivery loop
                self._in_flight -= 1
                self._cond.notify_all()
            return
        with self._cond:
            entry.handled_at = time.monotonic()
            entry.failed = not delivered
            self._in_flight -= 1
            self._cond.notify_all()

    def redeliver(self, update_id: int) -> None:
        """Deliver an already handled update once more (Telegram after a lost 2xx)."""
        with self._cond:
            entry = self._entries[update_id]
            entry.handled_at = 0.0
            entry.released_at = 0.0
            self._cond.notify_all()

    # --- control routes (another process) ---
    def _control(self, request: FakeRequest) -> FakeResponse:
        return control(self, request)


def build_demo_server(port: int) -> FakeHTTPServer:
    """The demo's Bot API for `make run` (token from the demo settings)."""
    token = "123456:demo-bot-token"
    try:
        from django.conf import settings

        token = settings.TELEGRAM_BOT_TOKEN or token
    except Exception:  # noqa: S110 - run without Django settings: the demo default applies
        pass
    fake = FakeBotAPI(token=token, port=port)
    server = fake.server
    serve = server.start

    def start() -> FakeHTTPServer:  # the webhook delivery thread starts with the server
        serve()
        fake.start_delivery()
        return server

    server.start = start  # type: ignore[method-assign]
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8706)
    parser.add_argument("--token", default="123456:demo-bot-token")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    fake = FakeBotAPI(token=args.token, port=args.port, webhook_connections=args.connections)
    fake.start()
    print(f"fake Bot API on {fake.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
