"""The catalogue with filters and pages, and buying with a confirmation button (through the
shop's catalogue selectors and `proxy_purchase`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import DomainError
from core.registry import setting_get
from proxyshop import selectors as shop
from proxyshop.services import proxy_purchase
from proxyshop.services.common import shop_price

from ..botapi import Button
from ..callbacks import TYPES, CatalogView, new_nonce, nonce_age, signed, verified
from ..dispatch import Incoming, Reply
from ..texts import credentials_text, error_text, flag, money, type_label
from .menu import stale

MAX_CHOICES = 12


def _view_from_args(args: list[str]) -> CatalogView:
    """`/catalog US Berlin mobile`: a two-letter word is the country, a type name the type,
    the rest the city."""
    country, kind, city = "", "", []
    for word in args:
        if word.lower() in TYPES.values():
            kind = word.lower()
        elif len(word) == 2 and word.isalpha() and not country:
            country = word.upper()
        else:
            city.append(word)
    return CatalogView(0, country, kind, " ".join(city)[:100])


def _describe(view: CatalogView) -> str:
    parts = []
    if view.country:
        parts.append(f"{flag(view.country)} {view.country}")
    if view.city:
        parts.append(view.city)
    if view.type:
        parts.append(type_label(view.type))
    return ", ".join(parts) or pgettext("catalogue filters", "all")


def show_catalog(reply: Reply, view: CatalogView) -> None:
    size = setting_get("telegram.catalog_page_size")
    try:
        data = shop.catalog_page(filters=view.filters(), page=view.page, page_size=size)
        pages = max((data["total"] + size - 1) // size, 1)
        if view.page >= pages and view.page > 0:  # the catalogue shrank meanwhile
            view = view.at(pages - 1)
            data = shop.catalog_page(filters=view.filters(), page=view.page, page_size=size)
    except DomainError as exc:  # a filter the shop refuses, a page size over its maximum
        reply.show(error_text(exc))
        return
    text = _("Proxies for sale: %(total)d (%(filters)s). Page %(page)d of %(pages)d.") % {
        "total": data["total"],
        "filters": _describe(view),
        "page": view.page + 1,
        "pages": pages,
    }
    if not data["proxies"]:
        text += "\n" + _("Nothing matches these filters.")
    keyboard = [
        [
            Button(
                f"{flag(p['country_code'])} {p['city'] or p['country']} · "
                f"{type_label(p['type'])} · {p['speed'] or '?'} ms · {money(p['price'])}",
                f"b|{p['product_id']}",
            )
        ]
        for p in data["proxies"]
    ]
    nav = []
    if view.page > 0:
        nav.append(Button("◀", view.at(view.page - 1).encode()))
    nav.append(Button(f"{view.page + 1}/{pages}", "n"))
    if view.page + 1 < pages:
        nav.append(Button("▶", view.at(view.page + 1).encode()))
    keyboard.append(nav)
    filters = [
        Button(_("🌍 Country"), view.at(0).encode("f|c")),
        Button(_("🏷 Type"), view.at(0).encode("f|t")),
    ]
    if view.country:
        filters.append(Button(_("🏙 City"), view.at(0).encode("f|y")))
    keyboard.append(filters)
    if view.filters():
        keyboard.append([Button(_("✖ All proxies"), CatalogView().encode())])
    reply.show(text, keyboard)


def catalog_command(incoming: Incoming, reply: Reply) -> None:
    show_catalog(reply, _view_from_args(incoming.args))


def catalog_page(incoming: Incoming, reply: Reply) -> None:
    view = CatalogView.decode(incoming.data.split("|")[1:])
    if view is None:
        stale(incoming, reply)
        return
    reply.toast()
    show_catalog(reply, view)


def filter_chooser(incoming: Incoming, reply: Reply) -> None:
    fields = incoming.data.split("|")
    view = CatalogView.decode(fields[2:]) if len(fields) > 2 else None
    which = fields[1] if len(fields) > 1 else ""
    if view is None or which not in ("c", "t", "y"):
        stale(incoming, reply)
        return
    reply.toast()
    choices: list[tuple[str, CatalogView]] = []
    if which == "c":
        text = _("Choose a country:")
        choices.append((_("Any country"), CatalogView(0, "", view.type, "")))
        for row in shop.catalog_countries()[:MAX_CHOICES]:
            label = f"{flag(row['country_code'])} {row['country'] or row['country_code']}"
            choices.append(
                (f"{label} ({row['count']})", CatalogView(0, row["country_code"], view.type, ""))
            )
    elif which == "t":
        text = _("Choose a type:")
        choices.append((_("Any type"), CatalogView(0, view.country, "", view.city)))
        for kind in TYPES.values():
            choices.append((type_label(kind), CatalogView(0, view.country, kind, view.city)))
    else:
        text = _("Choose a city:")
        choices.append((_("Any city"), CatalogView(0, view.country, view.type, "")))
        for row in shop.catalog_cities(country_code=view.country)[:MAX_CHOICES]:
            choices.append(
                (f"{row['city']} ({row['count']})", CatalogView(0, view.country, view.type,
                                                                row["city"]))
            )  # fmt: skip
    keyboard = [[Button(label, choice.encode())] for label, choice in choices]
    keyboard.append([Button(_("« Back"), view.encode())])
    reply.show(text, keyboard)


def _product_id(fields: list[str]) -> int | None:
    if len(fields) < 2 or not fields[1].isdigit() or len(fields[1]) > 18:
        return None
    return int(fields[1])


def buy_prompt(incoming: Incoming, reply: Reply) -> None:
    product_id = _product_id(incoming.data.split("|"))
    product = shop.product_for_sale(product_id=product_id) if product_id else None
    if product is None:
        reply.toast(_("This proxy is no longer for sale."), alert=True)
        return
    reply.toast()
    confirm = signed(incoming.telegram_id, "B", str(product_id), new_nonce())
    text = _(
        "Buy this proxy for %(price)s?\n%(flag)s %(country)s, %(city)s · %(type)s · ISP "
        "%(isp)s · %(speed)s ms\nYour balance: %(balance)s"
    ) % {
        "price": money(shop_price()),
        "flag": flag(product["country_code"]),
        "country": product["country"] or product["country_code"],
        "city": product["city"] or "-",
        "type": type_label(product["type"]),
        "isp": product["isp"] or "-",
        "speed": product["speed"] or "?",
        "balance": money(shop.wallet_balance(user=incoming.user)),
    }
    reply.send(text, [[Button(_("✅ Confirm purchase"), confirm), Button(_("✖ Cancel"), "x")]])


def buy_confirm(incoming: Incoming, reply: Reply) -> None:
    fields = verified(incoming.telegram_id, incoming.data)
    product_id = _product_id(fields) if fields and len(fields) == 3 else None
    if product_id is None or fields is None:
        stale(incoming, reply)
        return
    nonce = fields[2]
    age = nonce_age(nonce)
    if age is None or age > setting_get("telegram.confirm_ttl"):
        reply.toast(_("This confirmation has expired."), alert=True)
        reply.show(_("This confirmation has expired. Open the catalogue again: /catalog"))
        return
    try:
        order, replayed = proxy_purchase(
            user=incoming.user, product_id=product_id, idempotency_key=f"tg-{nonce}"
        )
    except DomainError as exc:
        reply.toast(error_text(exc), alert=True)
        reply.show(_("❌ Not bought: %(reason)s") % {"reason": error_text(exc)})
        return
    bought = _(
        "✅ Bought: order %(order)s, proxy %(proxy)s, for %(price)s. Your balance: %(balance)s."
    ) % {
        "order": order.order_id,
        "proxy": order.proxy_id,
        "price": money(order.price),
        "balance": money(shop.wallet_balance(user=incoming.user)),
    }
    if replayed:  # a second tap or a redelivered press: nothing bought or charged again
        reply.toast(_("Already bought: order %(order)s.") % {"order": order.order_id})
        reply.show(bought)
        return
    reply.toast(_("Bought!"))
    reply.show(bought)
    reply.send(
        credentials_text(order),
        [[Button(_("📦 My orders"), "o|0")]],
        html=True,
    )
