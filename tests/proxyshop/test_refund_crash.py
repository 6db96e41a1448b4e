"""A process killed (SIGKILL) between the provider's refund and our commit: the refund intent,
committed before the provider was asked, leaves the order pending, and the periodic check
credits the buyer exactly once (a real subprocess against the fake provider over HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings

from core.models import AuditEvent
from proxyshop.models import Order
from proxyshop.services import refunds_reconcile
from tests.celery_worker import ROOT, kill, wait_until
from tests.proxyshop.conftest import configure
from tests.proxyshop.factories import fund
from tests.proxyshop.refund_helpers import balance, buy_offline, refund_entries

pytestmark = pytest.mark.django_db(transaction=True)

REFUND = """
from secrets_app.models import User
from proxyshop.services.refund import order_refund
order_refund(actor=User.objects.get(pk={user}), order_id="{order}")
"""


def _refund_in_a_process(user, order) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    code = REFUND.format(user=user.pk, order=order.order_id)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_after_the_provider_refunded_the_check_credits_exactly_once(
    auth_client, user, stocked, provider
):
    fund(user, "10.00")
    order = buy_offline(auth_client(user), provider, stocked[0])
    assert balance(user) == Decimal("8.00")
    configure(timeout="60")
    # the provider makes the refund, then its answer takes 30 s: the process is killed waiting
    provider.fail("refund", delay=30, apply=True)
    process = _refund_in_a_process(user, order)
    try:
        wait_until(lambda: provider.bought[order.credentials_id]["refunded"], timeout=60)
    finally:
        kill(process)
    order.refresh_from_db()
    # the intent was committed before the provider was asked: the order says so
    assert order.status == "refund_pending" and order.refund_unknown_at is not None
    assert balance(user) == Decimal("8.00") and refund_entries(order) == 0

    configure(refund_check_after=0, timeout="2")
    assert refunds_reconcile(trigger="beat")["refunded"] == 1
    assert refunds_reconcile(trigger="beat")["refunded"] == 0  # twice: credited once
    order.refresh_from_db()
    assert order.status == "refunded"
    assert balance(user) == Decimal("10.00") and refund_entries(order) == 1
    credited = AuditEvent.objects.get(action="proxyshop.refund", outcome="success")
    assert credited.data["reconciled"] is True and credited.data["trigger"] == "beat"
    assert not Order.objects.filter(status="refund_pending").exists()
