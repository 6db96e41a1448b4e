"""Texts the bot shows in more than one place, through Django's translation machinery (the
active language is the Telegram user's `language_code`, see dispatch.py)."""

from __future__ import annotations

import html
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import DomainError


def money(amount) -> str:
    return f"${Decimal(amount).quantize(Decimal('0.01'))}"


def flag(country_code: str) -> str:
    code = (country_code or "")[:2].upper()
    if len(code) != 2 or not code.isalpha():
        return "🏳"
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def type_label(kind: str) -> str:
    return {
        "residential": pgettext("proxy type", "residential"),
        "mobile": pgettext("proxy type", "mobile"),
        "hosting": pgettext("proxy type", "hosting"),
    }.get(kind, kind)


def status_label(status: str) -> str:
    return {
        "active": pgettext("order status", "active"),
        "refund_pending": pgettext("order status", "refund being checked"),
        "refunded": pgettext("order status", "refunded"),
    }.get(status, status)


def error_text(exc: DomainError) -> str:
    """A shop service's refusal in the user's language (the service's own English message
    when the bot has no translation of it)."""
    known = {
        "sold": _("This proxy has already been sold."),
        "unavailable": _("This proxy is no longer available."),
        "insufficient_balance": _("Not enough balance for this purchase."),
        "not_found": _("Not found: it may have been removed."),
        "permission_denied": _("This is not yours."),
        "still_online": _("The proxy is still online: only offline proxies can be refunded."),
        "too_late": _("Too late: the refund window has passed."),
        "already_refunded": _("This order has already been refunded."),
        "provider_refused": _("The provider refuses the refund."),
        "refund_pending": _(
            "The provider did not confirm the refund, so it is being checked: if it went "
            "through, the amount is credited to your balance automatically; if not, you can "
            "ask again."
        ),
    }
    if exc.code in known:
        return known[exc.code]
    if exc.status_code >= 500:
        return _("The proxy provider is not available right now. Try again later.")
    return exc.message


def credentials_text(order) -> str:
    """An order's connection details (HTML): for the buyer's private chat only."""
    c = order.credentials
    line = f"{c.get('ip')}:{c.get('port')}:{c.get('login')}:{c.get('password')}"
    expires = f"{order.expires_at:%Y-%m-%d %H:%M} UTC" if order.expires_at else "-"
    return _(
        "🔑 Order %(order)s\n<code>%(line)s</code>\nHost: <code>%(host)s</code>  Port: "
        "<code>%(port)s</code>\nLogin: <code>%(login)s</code>\nPassword: <code>%(password)s</code>"
        "\nExpires: %(expires)s"
    ) % {
        "order": html.escape(order.order_id),
        "line": html.escape(line),
        "host": html.escape(str(c.get("ip", ""))),
        "port": html.escape(str(c.get("port", ""))),
        "login": html.escape(str(c.get("login", ""))),
        "password": html.escape(str(c.get("password", ""))),
        "expires": expires,
    }


def link_first() -> str:
    return _(
        "Link your shop account first: log in on the shop's web pages, open “Connect "
        "Telegram”, and send me /start with the code you get there."
    )
