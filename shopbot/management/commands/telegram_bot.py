"""`manage.py telegram_bot`: the shop bot's long-polling process (see shopbot/polling.py).

manage.py telegram_bot            run until SIGTERM/SIGINT, following telegram.mode
manage.py telegram_bot --once     one round (a getUpdates and its updates), then exit
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand

from core.keyring import heartbeat_start
from shopbot.polling import Poller


class Command(BaseCommand):
    help = "Run the proxy shop's Telegram bot (long polling, or registering the webhook)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")

    def handle(self, *args, **options):
        poller = Poller()
        if options["once"]:
            handled = poller.run_once()
            self.stdout.write(f"handled {handled} update(s)")
            return
        heartbeat_start("bot")
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: poller.stop.set())
        self.stdout.write("telegram bot running (Ctrl-C stops)")
        poller.run()
