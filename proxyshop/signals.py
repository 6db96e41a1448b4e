"""What the shop tells the rest of the platform, without knowing who listens (the shop bot's
operator alerts listen). Sent with `send_robust` after the shop's decision: a failing receiver
is logged and never changes the shop's outcome.

    sync_finished(run_id, succeeded)                     a provider sync ended (not skipped)
    refund_needs_operator(order_id, reason, pending_since)  a pending refund's check found a
        refusal that proves nothing: an operator must resolve it (sent once per pending refund,
        inside the check's transaction)
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

sync_finished = Signal()
refund_needs_operator = Signal()


def notify(signal: Signal, sender, **kwargs) -> None:
    for receiver, result in signal.send_robust(sender, **kwargs):
        if isinstance(result, Exception):
            logger.error("receiver %r of a shop signal failed: %r", receiver, result)
