"""The one client of the external SOCKS5 provider (wire format: docs/upstream.md).

Every assumption about the provider lives here (paths, the raw `Authorization: <token>`
header, status codes) and in provider_wire.py (what its answers mean: items, purchases,
errors). Callers get parsed dataclasses or a typed `ProviderError` whose message an operator
can act on. Idempotent calls (list, lookup, bought, credentials, check-refundable) are retried
with backoff on timeouts and 5xx; buy and refund never are, because repeating them could buy or
refund twice.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from core.registry import settings_get_many

from .provider_wire import (
    ALREADY_REFUNDED,
    BoughtProxy,
    ProviderBadResponse,
    ProviderBalanceTooLow,
    ProviderError,
    ProviderItem,
    ProviderPage,
    ProviderRefused,
    ProviderTimeout,
    ProviderUnavailable,
    ProxyGone,
    outcome_unknown,
    parse_bought,
    parse_item,
    parse_page,
    parse_refund_check,
    refund_already_done,
)

__all__ = [
    "ALREADY_REFUNDED",
    "BoughtProxy",
    "ProviderBadResponse",
    "ProviderBalanceTooLow",
    "ProviderError",
    "ProviderItem",
    "ProviderPage",
    "ProviderRefused",
    "ProviderTimeout",
    "ProviderUnavailable",
    "ProxyGone",
    "outcome_unknown",
    "parse_bought",
    "parse_item",
    "parse_page",
    "parse_refund_check",
    "refund_already_done",
    "ProviderClient",
    "ProviderConfig",
    "provider_config",
]


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
        return parse_page(data)

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
        return parse_refund_check(data)

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
