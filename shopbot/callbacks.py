"""The callback data of the bot's inline buttons (at most 64 bytes, fields joined by "|").

    m|<command>               start menu entry          n              no-op (page counter)
    c|<page>|<cc>|<t>|<city>  catalogue page            f|<w>|<view>   filter chooser
    b|<product>               purchase prompt           x              close a prompt
    B|<product>|<nonce>|<mac> confirmed purchase        o|<page>       my orders
    k|<order>|<mac>           an order's credentials    R|<order>|<mac> refund
    e|<csv|txt>               export

Buttons that spend money, give money back or show credentials carry a MAC over the Telegram
user's id and the data (`signed`/`verified`), so data forged or copied from someone else's chat
is refused before any service is asked (the services check ownership again). A purchase's
nonce holds its creation time (stale confirmations are refused) and becomes the purchase's
idempotency key, so a double tap or a redelivered press buys once.

A catalogue view whose city makes the data too long is kept in the cache under a short
content-addressed key (`c|<page>|~<key>`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache

from .botapi import CALLBACK_DATA_MAX

SEP = "|"
TYPES = {"r": "residential", "m": "mobile", "h": "hosting"}
TYPE_CODES = {name: code for code, name in TYPES.items()}
_VIEW_TTL = 7 * 86400
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _key() -> bytes:
    return hashlib.sha256(b"shopbot-callback-data:" + settings.SECRET_KEY.encode()).digest()


def _mac(telegram_id: int, body: str) -> str:
    digest = hmac.new(_key(), f"{telegram_id}{SEP}{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()  # 12 characters, 72 bits


def signed(telegram_id: int, *parts: str) -> str:
    body = SEP.join(parts)
    return f"{body}{SEP}{_mac(telegram_id, body)}"


def verified(telegram_id: int, data: str) -> list[str] | None:
    """The fields of signed `data` (without the MAC), or None when it was not made for this
    Telegram user."""
    body, _, mac = data.rpartition(SEP)
    if not body or not hmac.compare_digest(mac, _mac(telegram_id, body)):
        return None
    return body.split(SEP)


def _b36(number: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = _B36[digit] + out
    return out or "0"


def new_nonce() -> str:
    """Creation time (base 36 seconds) and 4 random characters."""
    return _b36(int(time.time())) + "".join(secrets.choice(_B36) for _ in range(4))


def nonce_age(nonce: str) -> float | None:
    try:
        return time.time() - int(nonce[:-4], 36)
    except ValueError:
        return None


@dataclass(frozen=True)
class CatalogView:
    """A catalogue page and its filters (country code, type, city)."""

    page: int = 0
    country: str = ""
    type: str = ""
    city: str = ""

    def filters(self) -> dict:
        out = {}
        if self.country:
            out["country_code"] = self.country
        if self.type:
            out["type"] = self.type
        if self.city:
            out["city"] = self.city
        return out

    def at(self, page: int) -> CatalogView:
        return replace(self, page=max(page, 0))

    def encode(self, prefix: str = "c") -> str:
        fields = [str(self.page), self.country, TYPE_CODES.get(self.type, ""), self.city]
        data = SEP.join([prefix, *fields])
        if len(data.encode()) <= CALLBACK_DATA_MAX and SEP not in self.city:
            return data
        body = json.dumps([self.country, self.type, self.city])
        key = hashlib.sha256(body.encode()).hexdigest()[:16]
        cache.set(f"shopbot:view:{key}", body, _VIEW_TTL)
        return SEP.join([prefix, str(self.page), "~" + key])

    @classmethod
    def decode(cls, fields: list[str]) -> CatalogView | None:
        """From the fields after the prefix; None when malformed or expired."""
        if not fields or not fields[0].isdigit() or len(fields[0]) > 6:
            return None
        page = int(fields[0])
        if len(fields) == 2 and fields[1].startswith("~"):
            stored = cache.get(f"shopbot:view:{fields[1][1:]}")
            if stored is None:
                return None
            country, kind, city = json.loads(stored)
            return cls(page, country, kind, city)
        if len(fields) != 4 or (fields[2] and fields[2] not in TYPES):
            return None
        country = fields[1].upper()
        if country and not (country.isalpha() and len(country) <= 8):
            return None
        return cls(page, country, TYPES.get(fields[2], ""), fields[3][:100])
