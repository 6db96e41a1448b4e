"""Long polling (`manage.py telegram_bot`): the one process that asks Telegram for updates.

The loop follows the `telegram.mode` setting: in polling mode it removes any webhook and asks
getUpdates (`offset` = last handled update_id + 1, which also confirms the earlier ones to
Telegram); in webhook mode it registers `telegram.webhook_url` with the secret token and idles.
An update is confirmed only after it was handled, so a poller killed mid-batch gets the
unconfirmed ones again on restart, and the update_id records (dispatch.py) make those that
were already handled no-ops. A failure to record an update stops the batch without confirming
it; Bot API errors are waited out (429: retry_after; others: a growing pause).
"""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, close_old_connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from core.context import acting, new_request_id
from core.registry import settings_get_many

from .botapi import BotApiConflict, BotApiError, BotClient, RetryLater
from .dispatch import update_process
from .models import BotError
from .services import bot_error_record

logger = logging.getLogger(__name__)

COMMANDS = (
    ("start", gettext_noop("Menu; /start CODE links your shop account")),
    ("catalog", gettext_noop("Proxies for sale")),
    ("orders", gettext_noop("Your orders")),
    ("balance", gettext_noop("Your balance")),
    ("export", gettext_noop("Your proxies as a file")),
    ("unlink", gettext_noop("Disconnect this Telegram account")),
    ("help", gettext_noop("What the bot can do")),
)


def commands_register(client: BotClient) -> None:
    """The command menu Telegram shows, in English and Russian."""
    for language in ("en", "ru"):
        with override(language):
            client.set_commands([(name, _(text)) for name, text in COMMANDS], language=language)


class Poller:
    def __init__(self, *, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()
        self.offset: int | None = None
        self.mode: str | None = None
        self.pause = 1.0

    def _settings(self) -> dict:
        return settings_get_many(["telegram.mode", "telegram.poll_timeout"])

    def _enter(self, mode: str, client: BotClient) -> None:
        """Make Telegram deliver the way `mode` says (once per change)."""
        if mode == "webhook":
            values = settings_get_many(["telegram.webhook_url", "telegram.webhook_secret"])
            if not values["telegram.webhook_url"] or not values["telegram.webhook_secret"]:
                raise BotApiError("setWebhook", "webhook mode needs telegram.webhook_url and "
                                  "telegram.webhook_secret")  # fmt: skip
            client.set_webhook(
                url=values["telegram.webhook_url"], secret_token=values["telegram.webhook_secret"]
            )
            logger.info("webhook registered; polling idle while telegram.mode is webhook")
        else:
            client.delete_webhook()
            logger.info("polling for updates")
        commands_register(client)
        self.mode = mode

    def run_once(self) -> int:
        """One round: returns how many updates were handled."""
        values = self._settings()
        client = BotClient()
        mode = values["telegram.mode"]
        if mode != self.mode:
            self._enter(mode, client)
        if mode != "polling":
            return 0
        updates = client.get_updates(offset=self.offset, timeout=values["telegram.poll_timeout"])
        handled = 0
        for update in updates:
            if self.stop.is_set():
                break  # the rest stays unconfirmed: the next poller gets it
            update_process(update, source="polling", client=client)
            self.offset = update.update_id + 1
            handled += 1
        self.pause = 1.0
        return handled

    def _wait(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def run(self) -> None:
        with acting(channel="bot", request_id=new_request_id()):
            while not self.stop.is_set():
                close_old_connections()  # a long-lived process: drop dead connections
                try:
                    if self.run_once() == 0 and self.mode != "polling":
                        self._wait(10)  # webhook mode: Telegram delivers; check the mode again
                except RetryLater as exc:
                    self._wait(exc.retry_after)
                except (BotApiConflict, BotApiError, DatabaseError) as exc:
                    text = getattr(exc, "description", None) or f"{type(exc).__name__}: {exc}"
                    logger.warning("polling paused %.0f s: %s", self.pause, text)
                    bot_error_record(kind=BotError.Kind.POLLING, error=text, method="getUpdates")
                    if isinstance(exc, BotApiConflict):
                        self.mode = None  # set the mode again (a webhook came back?)
                    self._wait(self.pause)
                    self.pause = min(self.pause * 2, 60)
