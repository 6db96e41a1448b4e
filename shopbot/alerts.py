"""The shop's signals (proxyshop/signals.py) turned into operator alerts. A receiver never
raises into the shop: an alert that cannot be queued is logged and the shop goes on."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from proxyshop.signals import refund_needs_operator, sync_finished

logger = logging.getLogger(__name__)


@receiver(sync_finished, dispatch_uid="shopbot.sync_finished")
def on_sync_finished(sender, *, run_id: int, succeeded: bool, **kwargs) -> None:
    from .services.alerts import sync_alert_evaluate

    try:
        sync_alert_evaluate(run_id=run_id)
    except Exception:
        logger.exception("sync alert not evaluated (run %s)", run_id)


@receiver(refund_needs_operator, dispatch_uid="shopbot.refund_needs_operator")
def on_refund_needs_operator(sender, *, order_id: str, reason: str, pending_since=None, **kw):
    from .services.alerts import refund_alert_raise

    try:
        with transaction.atomic():  # a savepoint inside the shop's transaction
            refund_alert_raise(order_id=order_id, reason=reason, pending_since=pending_since)
    except Exception:
        logger.exception("refund alert not queued (order %s)", order_id)
