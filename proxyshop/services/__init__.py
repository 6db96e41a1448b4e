"""Writes of the proxy shop. The API, admin, pages, tasks and commands all call these."""

from .export import orders_export
from .orders import order_credentials_reveal
from .purchase import proxies_purchase_batch, proxy_purchase
from .refund import order_refund
from .refund_settle import order_refund_reconcile, order_refund_resolve, refunds_reconcile
from .sync import inventory_cleanup, proxies_sync
from .wallet import wallet_adjust, wallet_for_user, wallet_topup

__all__ = [
    "inventory_cleanup",
    "order_credentials_reveal",
    "order_refund",
    "orders_export",
    "order_refund_reconcile",
    "order_refund_resolve",
    "proxies_purchase_batch",
    "proxies_sync",
    "proxy_purchase",
    "refunds_reconcile",
    "wallet_adjust",
    "wallet_for_user",
    "wallet_topup",
]
