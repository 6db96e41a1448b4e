"""The one client of the external SOCKS5 provider (wire format: shared/UPSTREAM.md).

Every assumption about the provider lives here: paths, the raw `Authorization: <token>`
header, item keys, status codes. Callers get parsed dataclasses or a typed `ProviderError`
whose message an operator can act on. Idempotent calls (list, lookup, bought, credentials,
check-refundable) are retried with backoff on timeouts and 5xx; buy and refund never are,
because repeating them could buy or refund twice.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.utils.dateparse import parse_datetime

from secrets_app.registry import settings_get_many


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


@dataclass(frozen=True)
class ProviderConfig:
    url: str
    token: str
    timeout: float
    retries: int
    backoff: float


def provider_config() -> ProviderConfig:
    values = settings_get_many(
        [
            "proxyshop.api_url",
            "proxyshop.api_token",
            "proxyshop.timeout",
            "proxyshop.retries",
            "proxyshop.retry_backoff",
        ]
    )
    return ProviderConfig(
        url=str(values["proxyshop.api_url"]).rstrip("/"),
        token=str(values["proxyshop.api_token"]),
        timeout=float(values["proxyshop.timeout"]),
        retries=int(values["proxyshop.retries"]),
        backoff=float(values["proxyshop.retry_backoff"]),
    )


# Failures that happen before a single byte of the request has left: the call did nothing.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class ProviderClient:
    """`ProviderClient()` reads its configuration from the settings registry."""

    def __init__(self, config: ProviderConfig | None = None) -> None:
        self.config = config or provider_config()
        self._http = httpx.Client(
            base_url=self.config.url,
            timeout=self.config.timeout,
            headers={"Authorization": self.config.token, "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProviderClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- transport ---
    def _call(
        self, method: str, path: str, *, params=None, json=None, idempotent: bool, what: str
    ) -> Any:
        attempts = 1 + (self.config.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TimeoutException as exc:
                error: ProviderError = ProviderTimeout(
                    f"The proxy provider did not answer {what} within "
                    f"{self.config.timeout:g} s (provider down or overloaded).",
                    sent=not isinstance(exc, _NOT_SENT),
                )
            except httpx.HTTPError as exc:
                error = ProviderUnavailable(
                    f"The proxy provider cannot be reached for {what} ({type(exc).__name__}).",
                    sent=not isinstance(exc, _NOT_SENT),
                )
            else:
                if response.status_code < 500:
                    return self._decode(response, what)
                error = ProviderUnavailable(
                    f"The proxy provider failed {what} (HTTP {response.status_code}).",
                    status=response.status_code,
                )
            if attempt + 1 < attempts:
                time.sleep(self.config.backoff * (2**attempt))
        raise error

    def _decode(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        said = _error_message(response)
        detail = f": {said[:200]}" if said else ""
        if status == 401:
            raise ProviderError(
                "The proxy provider rejected the shop's API token (HTTP 401): check "
                "proxyshop.api_token.",
                status=status,
            )
        if status == 403:
            raise ProviderBalanceTooLow(
                "The shop's balance at the proxy provider is too low to buy this proxy "
                "(HTTP 403): an operator must top it up at the provider.",
                status=status,
            )
        if status in (404, 410):
            raise ProxyGone(
                f"The proxy is gone at the provider (HTTP {status}){detail}.", status=status
            )
        if status == 400:
            raise ProviderRefused(
                f"The provider refused {what}{detail}.", status=status, detail=said
            )
        if status >= 300:
            raise ProviderError(
                f"The proxy provider answered {what} with HTTP {status}{detail}.", status=status
            )
        try:
            return response.json()
        except ValueError:
            raise ProviderBadResponse(f"The proxy provider answered {what} with invalid JSON.")

    # --- calls ---
    def list_page(
        self,
        *,
        page: int,
        page_size: int,
        status: int = 1,
        country_code: str | None = None,
        city: str | None = None,
    ) -> ProviderPage:
        params: dict[str, Any] = {
            "page": page,
            "page_size": page_size,
            "status": status,
            "residential": "true",
            "mobile": "true",
            "hosting": "true",
        }
        if country_code:
            params["country_code"] = country_code
        if city:
            params["city"] = city
        data = self._call("GET", "/proxy", params=params, idempotent=True, what="the list")
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

    def iter_pages(self, *, page_size: int, **filters) -> Iterator[ProviderPage]:
        """Every page until an empty one or until `total` items were seen (a bounded walk).

        A short page does not end the walk: a provider may cap its page size below ours."""
        page = 0
        seen = 0
        while True:
            result = self.list_page(page=page, page_size=page_size, **filters)
            yield result
            page += 1
            seen += result.raw_count
            if result.raw_count == 0 or seen >= result.total or page > 100_000:
                return

    def buy(self, *, proxy_id: int) -> BoughtProxy:
        """Buy once. Not retried: a timeout raises ProviderTimeout and the outcome is unknown."""
        data = self._call(
            "GET", "/proxy/buy", params={"proxy_id": proxy_id}, idempotent=False, what="the buy"
        )
        return parse_bought(data)

    def find_bought(
        self, *, proxy_id: int, skip: Collection[int] = (), page_size: int = 100
    ) -> BoughtProxy | None:
        """The shop's purchase of `proxy_id`, if the provider has one (reconciles a timeout).

        Rows whose `credentials_id` is in `skip` are earlier purchases of the same proxy that
        the shop already knows about, never the one being looked for."""
        page = 0
        while page < 1000:
            data = self._call(
                "GET",
                "/proxy/bought",
                params={"page": page, "page_size": page_size},
                idempotent=True,
                what="the bought list",
            )
            rows = data.get("proxies") if isinstance(data, dict) else data
            if not isinstance(rows, list):
                raise ProviderBadResponse("The provider's bought list is not a list.")
            for row in rows:
                if isinstance(row, dict) and str(row.get("proxy_id")) == str(proxy_id):
                    found = parse_bought(row)
                    if found.credentials_id not in skip:
                        return found
            if len(rows) < page_size:
                return None
            page += 1
        return None

    def lookup(self, *, proxy_id: int) -> ProviderItem:
        data = self._call(
            "GET",
            "/proxy/lookup",
            params={"proxy_id": proxy_id},
            idempotent=True,
            what="the lookup",
        )
        item = parse_item(data)
        if item is None:
            raise ProviderBadResponse("The provider's lookup answer lacks proxy_id or ip.")
        return item

    def check_refundable(self, *, credentials_id: int) -> tuple[bool, str]:
        data = self._call(
            "POST",
            "/proxy/check-refundable",
            json={"credentials_id": credentials_id},
            idempotent=True,
            what="the refund check",
        )
        if not isinstance(data, dict):
            raise ProviderBadResponse("The provider's refund check is not an object.")
        return _bool(data.get("refundable")), _text(data.get("message"))

    def refund(self, *, credentials_id: int) -> dict:
        """Refund once. Not retried: when `outcome_unknown(error)` the refund may have happened,
        and only `check_refundable` (read with `refund_already_done`) can tell later."""
        data = self._call(
            "POST",
            "/proxy/refund",
            json={"credentials_id": credentials_id},
            idempotent=False,
            what="the refund",
        )
        return data if isinstance(data, dict) else {"status": data}

    def credentials(self, *, credentials_id: int) -> BoughtProxy:
        data = self._call(
            "GET",
            "/proxy/credentials",
            params={"credentials_id": credentials_id},
            idempotent=True,
            what="the credentials",
        )
        return parse_bought(data)


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


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or data.get("detail")
        if message:
            return str(message)[:500]
    return ""
