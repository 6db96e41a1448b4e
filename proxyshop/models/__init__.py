from .catalog import Product, ProductState, ProductType, SyncRun
from .orders import Order, OrderStatus, ProviderRollback, PurchaseBatch, RefundCheck
from .wallet import LedgerEntry, Wallet

__all__ = [
    "LedgerEntry",
    "Order",
    "OrderStatus",
    "Product",
    "ProductState",
    "ProductType",
    "ProviderRollback",
    "PurchaseBatch",
    "RefundCheck",
    "SyncRun",
    "Wallet",
]
