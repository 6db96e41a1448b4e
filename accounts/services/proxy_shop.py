"""Taking proxies bought in the proxy shop into the fleet's pool."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidArgument

from ..models import Proxy
from .proxies import proxy_create

SHOP_PROVIDER = "proxyshop"


def shop_order_credentials(*, order_id: str, actor: Any) -> dict[str, Any]:
    """The connection data of a shop order that may enter the pool: bought by `actor` (or
    `actor` is an admin), not refunded, not already imported, with a host and a port.

    Raises NotFound (unknown order, or not the actor's), Conflict (refunded, or already
    imported) and InvalidArgument (no usable host and port)."""
    from proxyshop.selectors import order_credentials_for_fleet

    if Proxy.objects.filter(source=Proxy.Source.SHOP, source_ref=order_id).exists():
        raise Conflict(f"Order {order_id} is already in the pool.")
    creds = order_credentials_for_fleet(order_id=order_id, actor=actor)
    if not creds.get("host") or not creds.get("port"):
        raise InvalidArgument("The order has no usable host and port.", field="order_id")
    return creds


def proxy_import_from_shop_order(*, order_id: str, actor: Any = None) -> Proxy:
    """Add the proxy of a shop order to the pool (source "shop", ref = order id); the checks
    and errors of `shop_order_credentials`."""
    creds = shop_order_credentials(order_id=order_id, actor=actor)
    return proxy_create(
        host=creds["host"],
        port=int(creds["port"]),
        protocol=Proxy.Protocol.SOCKS5,
        username=creds.get("username") or "",
        password=creds.get("password") or "",
        country=creds.get("country") or "",
        provider=SHOP_PROVIDER,
        expires_at=creds.get("expires_at"),
        source=Proxy.Source.SHOP,
        source_ref=order_id,
        actor=actor,
    )
