"""/start (with a link code), /help, /unlink, the start menu and what is not understood."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import DomainError

from ..botapi import Button
from ..dispatch import Incoming, Reply
from ..services import telegram_link, telegram_unlink
from ..texts import error_text, link_first


def menu_keyboard(*, linked: bool) -> list[list[Button]]:
    if not linked:
        return [[Button(_("🛒 Catalogue"), "m|catalog"), Button(_("❓ Help"), "m|help")]]
    return [
        [Button(_("🛒 Catalogue"), "m|catalog"), Button(_("📦 My orders"), "m|orders")],
        [Button(_("💰 Balance"), "m|balance"), Button(_("📄 Export"), "m|export")],
        [Button(_("❓ Help"), "m|help"), Button(_("🔌 Unlink"), "m|unlink")],
    ]


def start(incoming: Incoming, reply: Reply) -> None:
    if incoming.args:
        _link(incoming, reply, incoming.args[0])
        return
    if incoming.link:
        text = _("Hello, %(name)s! What would you like to do?") % {
            "name": incoming.link.user.username
        }
    else:
        text = _("Hello! This is the proxy shop's bot. You can browse the catalogue.") + (
            "\n\n" + link_first()
        )
    reply.send(text, menu_keyboard(linked=incoming.link is not None))


def _link(incoming: Incoming, reply: Reply, code: str) -> None:
    try:
        link = telegram_link(
            code=code,
            telegram_id=incoming.telegram_id,
            username=incoming.username,
            language_code=incoming.language_code,
        )
    except DomainError as exc:
        messages = {
            "link_code_invalid": _(
                "This code is unknown, already used or expired. Get a new one on the shop's "
                "“Connect Telegram” page."
            ),
            "telegram_taken": _(
                "This Telegram account is already linked to another shop account. Send /unlink "
                "first."
            ),
            "user_taken": _(
                "That shop account is already linked to another Telegram account. Unlink it on "
                "the “Connect Telegram” page first."
            ),
        }
        reply.send(messages.get(exc.code, error_text(exc)))
        return
    incoming.link = link
    reply.send(
        _("Linked: this Telegram account now acts as %(name)s in the shop.")
        % {"name": link.user.username},
        menu_keyboard(linked=True),
    )


def help_(incoming: Incoming, reply: Reply) -> None:
    lines = [
        _("What I can do:"),
        _("/catalog — proxies for sale (filters: /catalog US Berlin mobile)"),
        _("/orders — your proxies, their details and refunds"),
        _("/balance — your balance and latest movements"),
        _("/export — your proxies as a CSV or TXT file"),
        _("/unlink — disconnect this Telegram account from the shop"),
        _("/start — the menu; /start CODE links your shop account"),
    ]
    reply.send("\n".join(lines), menu_keyboard(linked=incoming.link is not None))


def unlink(incoming: Incoming, reply: Reply) -> None:
    telegram_unlink(telegram_id=incoming.telegram_id, actor=incoming.user)
    incoming.link = None
    reply.send(
        _("Unlinked. This Telegram account no longer acts in the shop."),
        menu_keyboard(linked=False),
    )


def menu_entry(incoming: Incoming, reply: Reply) -> None:
    from . import COMMANDS

    name = incoming.data.split("|", 1)[1] if "|" in incoming.data else ""
    entry = COMMANDS.get(name)
    if entry is None or name == "start":
        stale(incoming, reply)
        return
    handler, needs_link = entry
    if needs_link and incoming.link is None:
        reply.toast(link_first(), alert=True)
        return
    reply.toast()
    incoming.args = []
    handler(incoming, reply)


def unknown(incoming: Incoming, reply: Reply) -> None:
    reply.send(_("Sorry, I don't know that. /help lists what I can do."))


def stale(incoming: Incoming, reply: Reply) -> None:
    reply.toast(_("This button is no longer valid."), alert=True)


def noop(incoming: Incoming, reply: Reply) -> None:
    reply.toast()


def close(incoming: Incoming, reply: Reply) -> None:
    reply.toast()
    reply.show(_("Cancelled."))
