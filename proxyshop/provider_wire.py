"""What the provider's answers mean (wire format: docs/upstream.md): the typed errors, the
parsed items, pages and purchases, and the two judgements a lost answer needs
(`outcome_unknown`, `refund_already_done`). The client that makes the calls is provider.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime


class ProviderError(Exception):
    """A failed call to the provider; `message` is written for an operator."""

    kind = "provider_error"

    def __init__(
        self, message: str, *, status: int | None = None, sent: bool = True, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # the provider's own words (the `message` of its error body), as sent
        self.detail = detail
        # False only when the request certainly never reached the provider (no connection)
        self.sent = sent


class ProviderUnavailable(ProviderError):
    """The provider is down: timeout, connection refused, 5xx."""

    kind = "provider_down"


class ProviderTimeout(ProviderUnavailable):
    """No answer in time: the call may or may not have taken effect."""

    kind = "provider_timeout"


class ProviderBalanceTooLow(ProviderError):
    """403 on buy: the shop's own balance at the provider cannot pay."""

    kind = "provider_balance"


class ProxyGone(ProviderError):
    """404/410: the proxy no longer exists or can no longer be bought."""

    kind = "proxy_gone"


class ProviderRefused(ProviderError):
    """400: the provider refused (e.g. refund of an online proxy, too late, already done)."""

    kind = "provider_refused"


class ProviderBadResponse(ProviderError):
    """The provider answered something we cannot read."""

    kind = "provider_bad_response"


@dataclass(frozen=True)
class ProviderItem:
    proxy_id: int
    ip: str
    country: str
    country_code: str
    city: str
    region: str
    zip: str
    isp: str
    org: str
    speed: int | None
    mobile: bool
    hosting: bool
    status: int
    datestamp: str

    @property
    def kind(self) -> str:
        if self.mobile:
            return "mobile"
        if self.hosting:
            return "hosting"
        return "residential"


@dataclass(frozen=True)
class ProviderPage:
    items: list[ProviderItem]
    invalid: int
    total: int
    raw_count: int


@dataclass(frozen=True)
class BoughtProxy:
    credentials_id: int
    proxy_id: int
    proxy_ip: str
    server_ip: str
    port: str
    username: str
    password: str
    price: Decimal | None
    expires_at: datetime | None
    refundable: bool


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


_INT_MAX = 2**31 - 1
_BIGINT_MAX = 2**63 - 1


def _int_in_range(value: Any, low: int, high: int) -> int | None:
    """An integer within the column's range, or None (never an exception) for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if low <= number <= high else None


def parse_item(raw: Any) -> ProviderItem | None:
    """One list item, or None when it lacks `proxy_id` or `ip` (counted as skipped)."""
    if not isinstance(raw, dict):
        return None
    proxy_id = _int_in_range(raw.get("proxy_id"), 1, _BIGINT_MAX)
    ip = _text(raw.get("ip")).strip()
    if proxy_id is None or not ip:
        return None
    speed_raw = _text(raw.get("speed")).strip()
    speed = _int_in_range(speed_raw, 0, _INT_MAX) if speed_raw.isascii() else None
    status = 1 if _int_in_range(raw.get("status", 1), 0, 1) == 1 else 0
    return ProviderItem(
        proxy_id=proxy_id,
        ip=ip[:64],
        country=_text(raw.get("country"))[:100],
        country_code=_text(raw.get("country_code")).upper()[:8],
        city=_text(raw.get("city"))[:100],
        region=_text(raw.get("state"))[:100],
        zip=_text(raw.get("zip"))[:20],
        isp=_text(raw.get("ISP"))[:200],
        org=_text(raw.get("ORG"))[:200],
        speed=speed,
        mobile=_bool(raw.get("mobile")),
        hosting=_bool(raw.get("hosting")),
        status=status,
        datestamp=_text(raw.get("datestamp"))[:40],
    )


def parse_page(data: Any) -> ProviderPage:
    """A page of the list: its valid items, how many were skipped, the announced total."""
    if not isinstance(data, dict) or not isinstance(data.get("proxies"), list):
        raise ProviderBadResponse("The provider's list answer has no `proxies` array.")
    items = [parse_item(raw) for raw in data["proxies"]]
    valid = [item for item in items if item is not None]
    total = _int_in_range(data.get("total", len(items)), 0, _INT_MAX)
    if total is None:
        total = len(items)
    return ProviderPage(
        items=valid, invalid=len(items) - len(valid), total=total, raw_count=len(items)
    )


def parse_refund_check(data: Any) -> tuple[bool, str]:
    """(refundable, the provider's message) of a refund check."""
    if not isinstance(data, dict):
        raise ProviderBadResponse("The provider's refund check is not an object.")
    return _bool(data.get("refundable")), _text(data.get("message"))


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC)
    parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_bought(raw: Any) -> BoughtProxy:
    if not isinstance(raw, dict):
        raise ProviderBadResponse("The provider's purchase answer is not an object.")
    try:
        price = Decimal(str(raw["price"])) if raw.get("price") is not None else None
    except InvalidOperation:
        price = None
    try:
        return BoughtProxy(
            credentials_id=int(raw["credentials_id"]),
            proxy_id=int(raw["proxy_id"]),
            proxy_ip=_text(raw.get("proxy_ip")),
            server_ip=_text(raw.get("server_ip") or raw.get("proxy_ip")),
            port=_text(raw.get("server_listening_port")),
            username=_text(raw.get("username")),
            password=_text(raw.get("password")),
            price=price,
            expires_at=_parse_time(raw.get("expiration_time")),
            refundable=_bool(raw.get("refundable", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderBadResponse(f"The provider's purchase answer lacks {exc}.") from None


def outcome_unknown(exc: ProviderError) -> bool:
    """Whether a failed buy or refund may still have taken effect at the provider.

    True when the request may have been sent and no definite answer came back: a timeout after
    connecting (read/write), a connection dropped mid-call, a 5xx (a gateway's 502/504, or a
    500 after the provider committed, can hide a success) or an unreadable 2xx. False when the
    connection was never made (nothing was sent) and for 4xx answers, which are refusals."""
    return exc.sent and isinstance(exc, ProviderUnavailable | ProviderBadResponse)


# The provider's wordings of "already refunded", normalised by `_normalise`. Only these count:
# anything else ("refunded only within 1 hour", "was refunded: false") proves nothing.
ALREADY_REFUNDED = frozenset(
    {
        "already refunded",
        "already been refunded",
        "has already been refunded",
        "was already refunded",
        "is already refunded",
        "refunded",
        "proxy already refunded",
        "the proxy has already been refunded",
    }
)


def _normalise(message: str | None) -> str:
    text = str(message or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split()).rstrip(" .!?:;,")


def refund_already_done(message: str | None) -> bool:
    """Whether the provider's reason for refusing a refund says it was already refunded.

    The wire format has no field for this: check-refundable answers `{"refundable": false,
    "message": "already refunded"}` and refund answers 400 with the same reason, so the text is
    all there is. A credit rests on it, so the whole message (case, spacing, curly apostrophes
    and trailing punctuation aside) must be one of `ALREADY_REFUNDED`; anything else is not
    proof. If the provider's wording changes, this is the one place to change."""
    return _normalise(message) in ALREADY_REFUNDED
