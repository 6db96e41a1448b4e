"""Reading an order's credentials: the one place that reveals them, and audits it."""

from __future__ import annotations

from core.audit import audit_record
from secrets_app.models import User

from ..models import Order
from ..selectors import order_get


def order_credentials_reveal(*, user: User, order_id: str) -> Order:
    """One of `user`'s orders (an admin's: any) with its credentials, the read audited.
    NotFound for an order the user may not see (its existence is not revealed)."""
    order = order_get(user=user, order_id=order_id)
    audit_record(
        action="proxyshop.order.credentials_read",
        target_type="order",
        target=order.order_id,
    )
    return order
