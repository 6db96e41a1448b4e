"""A stateful fake of the external SOCKS5 provider (docs/upstream.md), on 127.0.0.1.

    provider = FakeProvider(token="t").start()
    provider.add_proxies(30, country_code="US")
    provider.url                      # base URL ending in /api/v1/authorized
    provider.set_online(pid, False)   # flips a proxy offline (it leaves the online list)
    provider.fail("buy", status=403)  # next buy answers 403 (times=, delay= for timeouts)
    provider.offline_on_sale = lambda proxy_id: proxy_id % 3 == 0  # these go offline once sold
    provider.add_raw({...})           # a malformed item as-is
    provider.stop()

Rules it enforces: raw `Authorization: <token>` header (401 otherwise), 0-based
pagination, filters, a proxy is bought once until refunded (410 meanwhile), 404 for unknown ids,
403 when its `balance` cannot pay, refunds only for offline proxies within `refund_window`
seconds, once (400 otherwise).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fakes.http import FakeHTTPServer, FakeRequest, FakeResponse

BASE = "/api/v1/authorized"
COUNTRIES = [
    ("US", "United States", ["New York", "Dallas", "Chicago"], "AT&T"),
    ("DE", "Germany", ["Berlin", "Munich"], "Deutsche Telekom"),
    ("GB", "United Kingdom", ["London", "Leeds"], "BT"),
    ("FR", "France", ["Paris"], "Orange"),
    ("NL", "Netherlands", ["Amsterdam"], "KPN"),
]


class FakeProvider:
    def __init__(self, *, token: str = "fake-provider-token", port: int = 0) -> None:  # noqa: S107
        self.token = token
        self.server = FakeHTTPServer(port=port)
        self.items: dict[int, dict] = {}
        self.raw_items: list[dict] = []
        self.bought: dict[int, dict] = {}  # credentials_id -> record
        self.balance: Decimal | None = None
        self.price = Decimal("1.20")
        self.refund_window = 3600
        self.max_page_size = 1000
        # proxy_id -> whether the proxy drops offline right after it is sold (the demo's way
        # to make a refund possible: the provider refunds offline proxies only)
        self.offline_on_sale: Callable[[int], bool] | None = None
        self._failures: dict[str, list[dict]] = {}
        self._ids = itertools.count(1001)
        self._creds = itertools.count(9001)
        self._lock = threading.Lock()
        routes = {
            ("GET", "/proxy"): self._list,
            ("GET", "/proxy/buy"): self._buy,
            ("GET", "/proxy/bought"): self._bought,
            ("GET", "/proxy/lookup"): self._lookup,
            ("POST", "/proxy/check-refundable"): self._check_refundable,
            ("POST", "/proxy/refund"): self._refund,
            ("GET", "/proxy/credentials"): self._credentials,
        }
        names = {
            "/proxy": "list",
            "/proxy/buy": "buy",
            "/proxy/bought": "bought",
            "/proxy/lookup": "lookup",
            "/proxy/check-refundable": "check-refundable",
            "/proxy/refund": "refund",
            "/proxy/credentials": "credentials",
        }
        for (method, path), handler in routes.items():
            self.server.route(method, BASE + path, self._wrap(names[path], handler))
        self._routes = list(self.server.routes)

    def reset(self) -> None:
        """Forget every proxy, purchase, injected failure, extra route and request."""
        with self._lock:
            self.items.clear()
            self.raw_items.clear()
            self.bought.clear()
            self._failures.clear()
            self.balance = None
            self.refund_window = 3600
            self.offline_on_sale = None
            self.server.routes[:] = self._routes
            self.server.requests.clear()

    # --- lifecycle ---
    def start(self) -> FakeProvider:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url + BASE

    @property
    def requests(self) -> list[FakeRequest]:
        return self.server.requests

    def calls(self, name: str) -> list[FakeRequest]:
        path = BASE + ("/proxy" if name == "list" else f"/proxy/{name}")
        return [r for r in self.server.requests if r.path == path]

    # --- state ---
    def add_proxy(self, **fields: Any) -> dict:
        with self._lock:
            proxy_id = fields.pop("proxy_id", None) or next(self._ids)
            code, country, cities, isp = COUNTRIES[proxy_id % len(COUNTRIES)]
            item: dict[str, Any] = {
                "proxy_id": proxy_id,
                "ip": f"10.{proxy_id // 65536 % 256}.{proxy_id // 256 % 256}.{proxy_id % 256}",
                "country": country,
                "country_code": code,
                "city": cities[proxy_id % len(cities)],
                "state": "",
                "zip": "",
                "ISP": isp,
                "ORG": isp + " Org",
                "speed": str(50 + proxy_id % 400),
                "mobile": proxy_id % 7 == 0,
                "hosting": proxy_id % 5 == 0 and proxy_id % 7 != 0,
                "status": 1,
                "datestamp": "2025-11-18",
            }
            item.update(fields)
            self.items[item["proxy_id"]] = item
            return item

    def add_proxies(self, count: int, **fields: Any) -> list[dict]:
        return [self.add_proxy(**fields) for _ in range(count)]

    def add_raw(self, raw: dict) -> None:
        """An item served as-is (e.g. without proxy_id or ip)."""
        self.raw_items.append(raw)

    def set_online(self, proxy_id: int, online: bool) -> None:
        self.items[proxy_id]["status"] = 1 if online else 0

    def update(self, proxy_id: int, **fields: Any) -> None:
        self.items[proxy_id].update(fields)

    def remove(self, proxy_id: int) -> None:
        self.items.pop(proxy_id, None)

    def add_bought(self, proxy_id: int, **fields: Any) -> dict:
        """An earlier purchase of `proxy_id` in the bought list (e.g. `refunded=True`: a
        refunded proxy is for sale again)."""
        with self._lock:
            return self._record(proxy_id, self.items[proxy_id], **fields)

    def age_purchase(self, credentials_id: int, seconds: float) -> None:
        self.bought[credentials_id]["bought_at"] -= seconds

    def fail(
        self,
        call: str,
        *,
        status: int = 500,
        delay: float = 0.0,
        times: int = 1,
        apply: bool = False,
        body: Any = None,
        page: int | None = None,
    ) -> None:
        """The next `times` calls of `call` fail: HTTP `status`, or sleep `delay` seconds first
        (a client timeout). With `apply`, the call's effect still happens (a buy that
        succeeded but whose answer was lost). With `page`, only list calls for that page fail."""
        self._failures.setdefault(call, []).extend(
            [{"status": status, "delay": delay, "apply": apply, "body": body, "page": page}] * times
        )

    # --- handlers ---
    def _wrap(self, name: str, handler):
        def run(request: FakeRequest) -> FakeResponse:
            if request.headers.get("authorization") != self.token:
                return FakeResponse.json({"message": "invalid token"}, status=401)
            failure = None
            queue = self._failures.get(name) or []
            for index, candidate in enumerate(queue):
                if candidate["page"] is None or str(candidate["page"]) == request.arg("page"):
                    failure = queue.pop(index)
                    break
            if failure is None:
                return handler(request)
            if failure["delay"]:
                response = handler(request) if failure["apply"] else FakeResponse.json({})
                response.delay = failure["delay"]
                return response
            if failure["apply"]:
                handler(request)
            return FakeResponse.json(
                failure["body"] or {"message": f"injected {failure['status']}"},
                status=failure["status"],
            )

        return run

    def _list(self, request: FakeRequest) -> FakeResponse:
        try:
            page = int(request.arg("page", "0"))
            page_size = min(int(request.arg("page_size", "50")), self.max_page_size)
        except ValueError:
            return FakeResponse.json({"message": "bad paging"}, status=400)
        status = request.arg("status")
        kinds = {
            k: request.arg(k, "true").lower() == "true"
            for k in ("residential", "mobile", "hosting")
        }
        country = (request.arg("country_code") or "").upper()
        city = request.arg("city") or ""
        bought_ids = {rec["proxy_id"] for rec in self.bought.values()}
        selected = []
        for item in sorted(self.items.values(), key=lambda i: i["proxy_id"]):
            if item["proxy_id"] in bought_ids:
                continue
            if status is not None and str(item["status"]) != status:
                continue
            kind = "mobile" if item["mobile"] else "hosting" if item["hosting"] else "residential"
            if not kinds[kind]:
                continue
            if country and item["country_code"] != country:
                continue
            if city and item["city"].lower() != city.lower():
                continue
            selected.append(item)
        selected = self.raw_items + selected
        start = page * page_size
        return FakeResponse.json(
            {"proxies": selected[start : start + page_size], "total": len(selected)}
        )

    def _buy(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            try:
                proxy_id = int(request.arg("proxy_id", ""))
            except ValueError:
                return FakeResponse.json({"message": "proxy_id required"}, status=400)
            item = self.items.get(proxy_id)
            if item is None:
                return FakeResponse.json({"message": "proxy not found"}, status=404)
            if item["status"] != 1 or any(
                rec["proxy_id"] == proxy_id and not rec["refunded"] for rec in self.bought.values()
            ):
                return FakeResponse.json({"message": "proxy no longer available"}, status=410)
            if self.balance is not None:
                if self.balance < self.price:
                    return FakeResponse.json({"message": "insufficient balance"}, status=403)
                self.balance -= self.price
            record = self._record(proxy_id, item)
            if self.offline_on_sale is not None and self.offline_on_sale(proxy_id):
                item["status"] = 0
            return FakeResponse.json(self._public(record))

    def _record(self, proxy_id: int, item: dict, **fields: Any) -> dict:
        """A purchase of `proxy_id`, stored in `bought` (the caller holds the lock)."""
        credentials_id = next(self._creds)
        record = {
            "credentials_id": credentials_id,
            "proxy_id": proxy_id,
            "proxy_ip": item["ip"],
            "server_ip": "127.0.0.2",
            "server_listening_port": str(20000 + credentials_id % 10000),
            "username": f"u{credentials_id}",
            "password": f"pw-{credentials_id}-secret",
            "price": float(self.price),
            "expiration_time": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400)
            ),
            "refundable": True,
            "bought_at": time.time(),
            "refunded": False,
        }
        record.update(fields)
        self.bought[credentials_id] = record
        return record

    @staticmethod
    def _public(record: dict) -> dict:
        return {k: v for k, v in record.items() if k not in ("bought_at", "refunded")}

    def _bought(self, request: FakeRequest) -> FakeResponse:
        page = int(request.arg("page", "0"))
        page_size = int(request.arg("page_size", "50"))
        rows = [self._public(r) for r in self.bought.values()]
        return FakeResponse.json(
            {"proxies": rows[page * page_size : (page + 1) * page_size], "total": len(rows)}
        )

    def _lookup(self, request: FakeRequest) -> FakeResponse:
        item = self.items.get(int(request.arg("proxy_id", "0") or 0))
        if item is None:
            return FakeResponse.json({"message": "proxy not found"}, status=404)
        return FakeResponse.json(item)

    def _refund_refusal(self, record: dict | None) -> str | None:
        if record is None:
            return "unknown credentials"
        if record["refunded"]:
            return "already refunded"
        if time.time() - record["bought_at"] > self.refund_window:
            return "too late: the refund window has passed"
        item = self.items.get(record["proxy_id"])
        if item is not None and item["status"] == 1:
            return "proxy is still online"
        return None

    def _check_refundable(self, request: FakeRequest) -> FakeResponse:
        record = self.bought.get(int((request.json() or {}).get("credentials_id", 0)))
        if record is None:
            return FakeResponse.json({"message": "unknown credentials"}, status=404)
        reason = self._refund_refusal(record)
        return FakeResponse.json({"refundable": reason is None, "message": reason or "ok"})

    def _refund(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            record = self.bought.get(int((request.json() or {}).get("credentials_id", 0)))
            if record is None:
                return FakeResponse.json({"message": "unknown credentials"}, status=404)
            reason = self._refund_refusal(record)
            if reason:
                return FakeResponse.json({"message": reason}, status=400)
            record["refunded"] = True
            if self.balance is not None:
                self.balance += self.price
            return FakeResponse.json({"status": "success", "message": "refunded"})

    def _credentials(self, request: FakeRequest) -> FakeResponse:
        record = self.bought.get(int(request.arg("credentials_id", "0") or 0))
        if record is None:
            return FakeResponse.json({"message": "unknown credentials"}, status=404)
        return FakeResponse.json(self._public(record))


DEMO_PAGE = """<!doctype html><meta charset="utf-8"><title>Demo provider</title>
<h1>Demo SOCKS5 provider</h1>
<p>Proxies whose id is a multiple of 3 go offline as soon as they are sold, so the shop can
refund them; the others stay online (a refund is refused: "still online") until you take them
offline here.</p>
<table border="1" cellpadding="4"><tr><th>proxy</th><th>credentials</th><th>status</th>
<th>refunded</th><th></th></tr>{rows}</table>"""
DEMO_ROW = """<tr><td>{proxy_id}</td><td>{credentials_id}</td><td>{status}</td><td>{refunded}</td>
<td><form method="post" action="/demo/offline"><input type="hidden" name="proxy_id"
value="{proxy_id}"><button {disabled}>Take offline</button></form></td></tr>"""


def add_demo_controls(provider: FakeProvider) -> None:
    """A control page at /demo (no token: it is the provider's own console, on 127.0.0.1):
    the sold proxies, each with a "Take offline" button (POST /demo/offline, proxy_id as
    form or JSON field), which makes its refund possible."""

    def page(request: FakeRequest) -> FakeResponse:
        rows = []
        for record in sorted(provider.bought.values(), key=lambda r: -r["credentials_id"]):
            item = provider.items.get(record["proxy_id"], {})
            online = item.get("status") == 1
            rows.append(
                DEMO_ROW.format(
                    proxy_id=record["proxy_id"],
                    credentials_id=record["credentials_id"],
                    status="online" if online else "offline",
                    refunded="yes" if record["refunded"] else "no",
                    disabled="" if online else "disabled",
                )
            )
        return FakeResponse.text(DEMO_PAGE.format(rows="".join(rows)))

    def offline(request: FakeRequest) -> FakeResponse:
        from urllib.parse import parse_qs

        if request.headers.get("content-type", "").startswith("application/json"):
            raw: Any = (request.json() or {}).get("proxy_id")
        else:
            values = parse_qs(request.body.decode()).get("proxy_id")
            raw = values[0] if values else None
        try:
            proxy_id = int(raw)
        except (TypeError, ValueError):
            return FakeResponse.json({"message": "proxy_id required"}, status=400)
        if proxy_id not in provider.items:
            return FakeResponse.json({"message": "proxy not found"}, status=404)
        provider.set_online(proxy_id, False)
        if request.headers.get("accept", "").startswith("text/html"):
            return FakeResponse(303, b"", {"Location": "/demo"})
        return FakeResponse.json({"proxy_id": proxy_id, "status": 0})

    provider.server.route("GET", "/demo", page)
    provider.server.route("POST", "/demo/offline", offline)


def build_demo_server(port: int) -> FakeHTTPServer:
    """The demo provider for `make run`: 300 proxies, token from the demo settings; every
    third proxy goes offline once sold (refundable), and /demo takes any other offline."""
    token = "demo-provider-token"
    try:
        from django.conf import settings

        token = settings.EXTERNAL_SOCKS_API_TOKEN
    except Exception:  # noqa: S110 - run without Django settings: the demo default applies
        pass
    provider = FakeProvider(token=token, port=port)
    provider.add_proxies(300)
    provider.offline_on_sale = lambda proxy_id: proxy_id % 3 == 0
    add_demo_controls(provider)
    return provider.server


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--token", default="demo-provider-token")
    parser.add_argument("--proxies", type=int, default=300)
    args = parser.parse_args()
    fake = FakeProvider(token=args.token, port=args.port)
    fake.add_proxies(args.proxies)
    fake.server.serve_forever()
