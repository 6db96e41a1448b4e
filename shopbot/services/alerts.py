"""Operator alerts in Telegram: chats in `telegram.alert_chats` hear once when provider syncs
start failing (`telegram.sync_failure_threshold` failed runs in a row), once when they recover,
and once when a refund's outcome needs an operator.

Deciding is done here, under the AlertState row lock, and writes one AlertDelivery per chat;
each is sent by the Celery task `shopbot.send_alert` after the decision commits
(`alert_deliver`), which waits out 429 `retry_after` and gives up on 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.registry import setting_get
from proxyshop.selectors import sync_recent_outcomes

from ..botapi import BotApiError, BotClient, ChatUnreachable, RetryLater, Unavailable
from ..models import AlertDelivery, AlertState, BotError
from .updates import bot_error_record

SYNC_STATE = "proxyshop.sync"
Kind = AlertDelivery.Kind
Status = AlertDelivery.Status


def _queue(kind: str, text_for_language: Callable[[], str], *, dedupe_key: str = "") -> list[int]:
    """One delivery per configured chat, sent after the surrounding transaction commits."""
    from ..tasks import send_alert_task

    with override(setting_get("telegram.alert_language")):
        text = text_for_language()
    ids = []
    for chat_id in setting_get("telegram.alert_chats") or []:
        if (
            dedupe_key
            and AlertDelivery.objects.filter(dedupe_key=dedupe_key, chat_id=chat_id).exists()
        ):
            continue
        delivery = AlertDelivery.objects.create(
            kind=kind, chat_id=chat_id, text=text, dedupe_key=dedupe_key
        )
        ids.append(delivery.pk)
    for pk in ids:
        # robust: a broker outage must not fail the shop operation that raised the alert
        transaction.on_commit(partial(send_alert_task.delay, pk), robust=True)
    return ids


def sync_alert_evaluate(*, run_id: int | None = None) -> str | None:
    """After a provider sync finished: "failing" when the last `threshold` finished runs all
    failed and operators were not told yet, "recovered" when the newest run succeeded after
    they were; None otherwise. Skipped runs (another sync held the lock) do not count."""
    threshold = setting_get("telegram.sync_failure_threshold")
    runs = sync_recent_outcomes(limit=threshold)
    if not runs:
        return None
    with transaction.atomic():
        AlertState.objects.get_or_create(key=SYNC_STATE)
        state = AlertState.objects.select_for_update().get(key=SYNC_STATE)
        newest = runs[0]
        now = timezone.now()
        if not state.active and len(runs) == threshold and all(not r["succeeded"] for r in runs):
            state.active, state.since, state.changed_at = True, runs[-1]["sync_time"], now
            state.detail = (newest["error"] or "")[:300]
            state.save()

            def failing() -> str:
                return _(
                    "⚠️ Proxy shop: provider syncs are failing (%(count)d in a row since "
                    "%(since)s UTC).\nLast error: %(error)s"
                ) % {
                    "count": threshold,
                    "since": f"{state.since:%Y-%m-%d %H:%M}",
                    "error": state.detail or "-",
                }

            _queue(Kind.SYNC_FAILING, failing)
            return "failing"
        if state.active and newest["succeeded"]:
            since = state.since
            state.active, state.changed_at, state.detail = False, now, ""
            state.save()

            def recovered() -> str:
                return _(
                    "✅ Proxy shop: provider syncs work again (sync at %(at)s UTC; failing "
                    "since %(since)s UTC)."
                ) % {
                    "at": f"{newest['sync_time']:%Y-%m-%d %H:%M}",
                    "since": f"{since:%Y-%m-%d %H:%M}" if since else "-",
                }

            _queue(Kind.SYNC_RECOVERED, recovered)
            return "recovered"
    return None


def refund_alert_raise(
    *, order_id: str, reason: str, pending_since: datetime | None = None
) -> list[int]:
    """Tell operators that the refund of `order_id` needs them (once per pending refund)."""

    def text() -> str:
        return _(
            "🔔 Proxy shop: the refund of order %(order)s needs an operator.\n%(reason)s\n"
            "Resolve it in the admin: Orders → %(order)s."
        ) % {"order": order_id, "reason": reason[:300]}

    key = f"refund:{order_id}:{pending_since.isoformat() if pending_since else ''}"[:120]
    with transaction.atomic():
        return _queue(Kind.REFUND_NEEDS_OPERATOR, text, dedupe_key=key)


def alert_test(*, actor: Any = None) -> list[int]:
    """A test message to every alert chat (the admin's "send a test alert")."""

    def text() -> str:
        return _("🧪 Proxy shop: test alert. This chat receives the shop's operator alerts.")

    with transaction.atomic():
        return _queue(Kind.TEST, text)


def _mark(delivery: AlertDelivery, status: str, error: str = "") -> None:
    fields: dict[str, Any] = {"status": status, "error": error[:300]}
    if status == Status.SENT:
        fields["sent_at"] = timezone.now()
    AlertDelivery.objects.filter(pk=delivery.pk).update(**fields)


def alert_deliver(*, delivery_id: int, final_attempt: bool = False) -> str:
    """Send one alert. Returns its status: sent; gave_up on 403 (blocked, removed from the
    chat: retrying cannot help); failed on any other refusal or when `final_attempt` fails.
    Raises RetryLater (429, with retry_after) or Unavailable for the task to retry. A delivery
    already sent or abandoned is left alone (the task may be delivered twice)."""
    delivery = AlertDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    if delivery.status in (Status.SENT, Status.GAVE_UP, Status.FAILED):
        return delivery.status
    AlertDelivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    try:
        BotClient().send_message(delivery.chat_id, delivery.text)
    except ChatUnreachable as exc:
        _mark(delivery, Status.GAVE_UP, exc.description)
        bot_error_record(
            kind=BotError.Kind.BLOCKED,
            error=exc.description,
            chat_id=delivery.chat_id,
            method=exc.method,
        )
        return Status.GAVE_UP
    except (RetryLater, Unavailable) as exc:
        if final_attempt:
            _mark(delivery, Status.FAILED, exc.description)
            return Status.FAILED
        _mark(delivery, Status.RETRYING, exc.description)
        raise
    except BotApiError as exc:
        _mark(delivery, Status.FAILED, exc.description)
        bot_error_record(
            kind=BotError.Kind.API, error=exc.description, chat_id=delivery.chat_id,
            method=exc.method,
        )  # fmt: skip
        return Status.FAILED
    _mark(delivery, Status.SENT)
    return Status.SENT
