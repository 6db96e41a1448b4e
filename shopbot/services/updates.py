"""Each Telegram update handled once, and the bot's error log.

An update is claimed before it is handled: one INSERT … ON CONFLICT DO NOTHING on the unique
update_id, committed at once, so a webhook redelivery, a second web worker or a restarted
poller that meets the same update_id does nothing. A claim whose handler died (no
`finished_at` after the lease) may be taken over by the next delivery; the handlers' effects
are idempotent on their own (a purchase's idempotency key comes from its button), so a
takeover never buys twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.utils import timezone

from ..models import BotError, ProcessedUpdate
from ..redact import redact

logger = logging.getLogger(__name__)


def update_claim(
    *, update_id: int, kind: str, chat_id: int | None, source: str, lease_seconds: float
) -> bool:
    """True when this caller is to handle `update_id`: the first to claim it, or the one that
    takes over a claim unfinished for `lease_seconds` (0: any unfinished claim, for the single
    poller after a restart)."""
    now = timezone.now()
    table = ProcessedUpdate._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (update_id, kind, chat_id, source, claimed_at, outcome, attempts)"  # noqa: S608 - the model's own table name
            " VALUES (%s, %s, %s, %s, %s, '', 1) ON CONFLICT (update_id) DO NOTHING RETURNING id",
            [update_id, kind[:16], chat_id, source[:8], now],
        )
        if cursor.fetchone() is not None:
            return True
    stale = ProcessedUpdate.objects.filter(update_id=update_id, finished_at__isnull=True)
    if lease_seconds > 0:
        stale = stale.filter(claimed_at__lt=now - timedelta(seconds=lease_seconds))
    return stale.update(claimed_at=now, source=source[:8], attempts=F("attempts") + 1) == 1


def update_finish(*, update_id: int, outcome: str) -> None:
    ProcessedUpdate.objects.filter(update_id=update_id).update(
        finished_at=timezone.now(), outcome=outcome
    )


def updates_purge(*, days: int) -> dict[str, int]:
    """Forget handled updates and bot errors older than `days` (Telegram redelivers an update
    for a day at most)."""
    before = timezone.now() - timedelta(days=days)
    updates, _ = ProcessedUpdate.objects.filter(claimed_at__lt=before).delete()
    errors, _ = BotError.objects.filter(created_at__lt=before).delete()
    return {"updates": updates, "errors": errors}


def bot_error_record(
    *,
    kind: str,
    error: str,
    update_id: int | None = None,
    chat_id: int | None = None,
    method: str = "",
) -> None:
    """Keep one error for the admin's "recent errors" (bot token masked). Never raises: the
    error log must not take the bot down with it."""
    try:
        BotError.objects.create(
            kind=kind,
            error=redact(error)[:2000],
            update_id=update_id,
            chat_id=chat_id,
            method=method[:40],
        )
    except Exception:
        logger.exception("could not record a bot error")
