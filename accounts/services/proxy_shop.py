"""Taking proxies bought in the proxy shop into the fleet's pool."""

from __future__ import annotations

from typing import Any

from config.errors import Conflict, InvalidArgument

from ..models import Proxy
from .proxies import proxy_create

SHOP_PROVIDER = "proxyshop"


def proxy_import_from_shop_order(*, order_id: str, actor: Any = None, request: Any = None) -> Proxy:
    """Add the proxy of a shop order to the pool (source "shop", ref = order id).

    Raises NotFound (unknown order), Conflict (refunded order, or already imported) and
    InvalidArgument when the order's credentials lack a host or port.
    """
    from proxyshop.selectors import order_credentials_for_fleet

    if Proxy.objects.filter(source=Proxy.Source.SHOP, source_ref=order_id).exists():
        raise Conflict(f"Order {order_id} is already in the pool.")
    creds = order_credentials_for_fleet(order_id=order_id)
    if not creds.get("host") or not creds.get("port"):
        raise InvalidArgument("The order has no usable host and port.", field="order_id")
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
        request=request,
    )
