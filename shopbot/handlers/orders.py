"""My orders (credentials, refund), balance and export, through the shop's selectors and
services (`order_credentials_reveal`, `order_refund`, `orders_export`, `wallet_balance`)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import DomainError
from proxyshop import selectors as shop
from proxyshop.services import order_credentials_reveal, order_refund, orders_export

from ..botapi import Button
from ..callbacks import signed, verified
from ..dispatch import Incoming, Reply
from ..texts import credentials_text, error_text, flag, money, status_label
from .menu import stale

PAGE = 5


def show_orders(incoming: Incoming, reply: Reply, page_number: int) -> None:
    pages = Paginator(shop.order_list(user=incoming.user), PAGE)
    if pages.count == 0:
        reply.show(_("You have no orders yet. /catalog shows what is for sale."))
        return
    page = pages.get_page(page_number + 1)
    lines = [_("Your orders (%(count)d):") % {"count": pages.count}]
    keyboard = []
    for order in page:
        product = order.product
        lines.append(
            f"• {order.order_id} — {flag(product.country_code)} {product.city or product.country}"
            f" — {status_label(order.status)} — {order.created_at:%Y-%m-%d %H:%M}"
        )
        row = [Button(f"🔑 {order.order_id}", signed(incoming.telegram_id, "k", order.order_id))]
        if order.status != "refunded" and shop.order_refund_eligible(order):
            row.append(Button(_("↩ Refund"), signed(incoming.telegram_id, "R", order.order_id)))
        keyboard.append(row)
    nav = []
    if page.has_previous():
        nav.append(Button("◀", f"o|{page.number - 2}"))
    if pages.num_pages > 1:
        nav.append(Button(f"{page.number}/{pages.num_pages}", "n"))
    if page.has_next():
        nav.append(Button("▶", f"o|{page.number}"))
    if nav:
        keyboard.append(nav)
    reply.show("\n".join(lines), keyboard)


def orders_command(incoming: Incoming, reply: Reply) -> None:
    show_orders(incoming, reply, 0)


def orders_page(incoming: Incoming, reply: Reply) -> None:
    number = incoming.data.split("|", 1)[1] if "|" in incoming.data else ""
    if not number.isdigit() or len(number) > 6:
        stale(incoming, reply)
        return
    reply.toast()
    show_orders(incoming, reply, int(number))


def _order_id(incoming: Incoming, action: str) -> str | None:
    fields = verified(incoming.telegram_id, incoming.data)
    if not fields or len(fields) != 2 or fields[0] != action or len(fields[1]) > 32:
        return None
    return fields[1]


def credentials(incoming: Incoming, reply: Reply) -> None:
    order_id = _order_id(incoming, "k")
    if order_id is None:
        stale(incoming, reply)
        return
    try:
        order = order_credentials_reveal(user=incoming.user, order_id=order_id)
    except DomainError as exc:
        reply.toast(error_text(exc), alert=True)
        return
    reply.toast()
    reply.send(credentials_text(order), html=True)


def refund(incoming: Incoming, reply: Reply) -> None:
    order_id = _order_id(incoming, "R")
    if order_id is None:
        stale(incoming, reply)
        return
    try:
        amount = order_refund(actor=incoming.user, order_id=order_id)
    except DomainError as exc:
        text = error_text(exc)
        reply.toast(text, alert=True)
        if exc.code == "refund_pending":
            reply.send(_("⏳ Order %(order)s: %(reason)s") % {"order": order_id, "reason": text})
        else:
            reply.send(
                _("Refund of %(order)s refused: %(reason)s") % {"order": order_id, "reason": text}
            )
        return
    reply.toast(_("Refunded."))
    reply.send(
        _("↩ Refunded %(amount)s for order %(order)s. Your balance: %(balance)s.")
        % {
            "amount": money(amount),
            "order": order_id,
            "balance": money(shop.wallet_balance(user=incoming.user)),
        }
    )


def balance(incoming: Incoming, reply: Reply) -> None:
    lines = [
        _("Your balance: %(balance)s") % {"balance": money(shop.wallet_balance(user=incoming.user))}
    ]
    entries = list(shop.ledger_entries(user=incoming.user)[:5])
    if entries:
        lines.append(_("Latest movements:"))
        kinds = {
            "topup": pgettext("ledger entry", "top-up"),
            "purchase": pgettext("ledger entry", "purchase"),
            "refund": pgettext("ledger entry", "refund"),
            "adjustment": pgettext("ledger entry", "adjustment"),
        }
        for entry in entries:
            sign = "+" if entry.amount > 0 else "−"
            lines.append(
                f"{entry.created_at:%Y-%m-%d %H:%M} {sign}{money(abs(entry.amount))} "
                f"{kinds.get(entry.kind, entry.kind)}"
                + (f" {entry.order.order_id}" if entry.order is not None else "")
            )
    reply.show("\n".join(lines))


def _send_export(incoming: Incoming, reply: Reply, fmt: str) -> None:
    document = orders_export(user=incoming.user, fmt=fmt)
    if not document.count:
        reply.send(_("You have no active proxies to export."))
        return
    reply.document(
        filename=document.filename,
        content=document.body.encode(),
        caption=_("Your active proxies: %(count)d.") % {"count": document.count},
    )


def export_command(incoming: Incoming, reply: Reply) -> None:
    fmt = (incoming.args[0] if incoming.args else "").lower()
    if fmt in ("csv", "txt"):
        _send_export(incoming, reply, fmt)
        return
    reply.send(
        _("Export your active proxies as:"),
        [[Button("CSV", "e|csv"), Button("TXT", "e|txt")]],
    )


def export_button(incoming: Incoming, reply: Reply) -> None:
    fmt = incoming.data.split("|", 1)[1] if "|" in incoming.data else ""
    if fmt not in ("csv", "txt"):
        stale(incoming, reply)
        return
    reply.toast()
    _send_export(incoming, reply, fmt)
