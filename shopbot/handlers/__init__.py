"""Routing an update to its handler. Commands and the start menu's buttons reach the same
functions; everything a customer does goes through the shop's services and selectors.

Only private chats are served: credentials and balances never go to a group. Shop actions
need a linked account (see services/linking.py); unlinked chats may browse the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from ..dispatch import Incoming, Reply
from ..texts import link_first
from . import catalog, menu, orders

Handler = Callable[[Incoming, Reply], None]

COMMANDS: dict[str, tuple[Handler, bool]] = {  # name: (handler, needs a linked account)
    "start": (menu.start, False),
    "help": (menu.help_, False),
    "catalog": (catalog.catalog_command, False),
    "orders": (orders.orders_command, True),
    "balance": (orders.balance, True),
    "export": (orders.export_command, True),
    "unlink": (menu.unlink, True),
}
CALLBACKS: dict[str, tuple[Handler, bool]] = {
    "m": (menu.menu_entry, False),
    "n": (menu.noop, False),
    "x": (menu.close, False),
    "c": (catalog.catalog_page, False),
    "f": (catalog.filter_chooser, False),
    "b": (catalog.buy_prompt, True),
    "B": (catalog.buy_confirm, True),
    "o": (orders.orders_page, True),
    "k": (orders.credentials, True),
    "R": (orders.refund, True),
    "e": (orders.export_button, True),
}


def route(incoming: Incoming, reply: Reply) -> None:
    if not incoming.private:
        if incoming.kind == "callback_query":
            reply.toast(_("Please write to me in a private chat."))
        elif incoming.command:
            reply.send(_("Please write to me in a private chat: I only work there."))
        return
    if incoming.kind == "callback_query":
        prefix = incoming.data.split("|", 1)[0]
        handler, needs_link = CALLBACKS.get(prefix, (menu.stale, False))
    elif incoming.command:
        handler, needs_link = COMMANDS.get(incoming.command, (menu.unknown, False))
    else:
        handler, needs_link = menu.unknown, False
    if needs_link and incoming.link is None:
        if incoming.kind == "callback_query":
            reply.toast(link_first(), alert=True)
        else:
            reply.send(link_first(), menu.menu_keyboard(linked=False))
        return
    handler(incoming, reply)
