"""Collecting views: claim a batch of tasks, ask the platform once per batch, write every result
in two statements. VK errors are handled as docs/upstream.md says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.locks import heartbeat
from core.registry import settings_get_many

from .. import telegram, vk
from ..models import Platform, Status, ViewReading, ViewTask
from . import upstream

DONE, FAILED, RETRY, REQUEUE = "done", "failed", "retry", "requeue"


@dataclass
class Outcome:
    kind: str  # DONE, FAILED, RETRY (counts as an attempt) or REQUEUE (does not)
    views: int | None = None
    reason: str = ""
    posted_at: datetime | None = None


@dataclass
class BatchReport:
    """What the caller (the Celery task) must do next."""

    done: int = 0
    failed: int = 0
    retry_ids: list[int] = field(default_factory=list)
    retry_after: float = 0.0
    splits: list[list[int]] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    id: int
    post_key: str
    attempts: int  # including this one
    recollect_interval: int | None


_CLAIM_SQL = """
UPDATE viewstats_viewtask SET status = %s, claim = %s, started_at = %s, updated_at = %s,
       attempts = attempts + 1
WHERE id IN (SELECT id FROM viewstats_viewtask WHERE id = ANY(%s) AND status = %s
             FOR UPDATE SKIP LOCKED)
RETURNING id, post_key, attempts, recollect_interval
"""

# One statement per batch writes every result and every reading (Django's bulk_update builds
# a CASE per row and field, which costs more than the upstream call). Only rows this claim
# still owns change: a stale run returned to the queue and picked up elsewhere is left alone.
_FINISH_SQL = """
WITH updated AS (
    UPDATE viewstats_viewtask AS t
    SET status = v.status, views = COALESCE(v.views, t.views), error = v.error, claim = NULL,
        attempts = v.attempts, collected_at = COALESCE(v.collected_at, t.collected_at),
        posted_at = COALESCE(v.posted_at, t.posted_at), next_collect_at = v.next_collect_at,
        updated_at = %s
    FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[], %s::text[], %s::integer[],
                %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])
         AS v(id, status, views, error, attempts, collected_at, posted_at, next_collect_at)
    WHERE t.id = v.id AND t.claim = %s AND t.status = %s
    RETURNING t.id, t.status, t.views
), readings AS (
    INSERT INTO viewstats_viewreading (task_id, views, collected_at)
    SELECT id, views, %s FROM updated WHERE status = %s
)
SELECT id FROM updated
"""


def claim_key(claim: uuid.UUID | str) -> str:
    """The heartbeat key (core.locks.heartbeat) that is alive while the claim's worker runs."""
    return f"viewstats.claim:{claim}"


def _claim(claim: uuid.UUID, task_ids: list[int]) -> list[Claimed]:
    """Mark the still-queued tasks among `task_ids` "in progress" under `claim`, whose heartbeat
    is already alive. Rows another worker holds are skipped, so a task is never collected twice
    at once."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL,
                [Status.IN_PROGRESS, claim, now, now, list(task_ids), Status.CREATED],
            )
            return [Claimed(*row) for row in cursor.fetchall()]
    with transaction.atomic():
        rows = list(
            ViewTask.objects.select_for_update()
            .filter(id__in=task_ids, status=Status.CREATED)
            .values_list("id", "post_key", "attempts", "recollect_interval")
        )
        ViewTask.objects.filter(id__in=[r[0] for r in rows]).update(
            status=Status.IN_PROGRESS,
            claim=claim,
            started_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return [Claimed(r[0], r[1], r[2] + 1, r[3]) for r in rows]


def _backoff(cfg: dict[str, Any], attempts: int) -> float:
    base = float(cfg["viewstats.retry_backoff"])
    factor: int = 2 ** max(attempts - 1, 0)  # a non-negative power: an int
    return min(float(cfg["viewstats.retry_backoff_max"]), base * factor)


def _finish(
    claim: uuid.UUID, tasks: list[Claimed], outcomes: dict[int, Outcome], cfg: dict[str, Any]
) -> BatchReport:
    """Apply outcomes to the rows this claim still owns (a stale run returned to the queue and
    picked up elsewhere is left alone)."""
    now = timezone.now()
    global_interval = int(cfg["viewstats.recollect_interval"])
    max_attempts = int(cfg["viewstats.max_attempts"])
    rows: dict[int, _Row] = {}
    for task in tasks:
        outcome = outcomes[task.id]
        attempts, views, collected, next_at = task.attempts, None, None, None
        if outcome.kind == DONE:
            status, views, error, collected = Status.DONE, outcome.views, "", now
            interval = task.recollect_interval or global_interval
            next_at = now + timedelta(seconds=interval) if interval else None
        elif outcome.kind == FAILED:
            status, error = Status.FAILED, outcome.reason
        elif outcome.kind == RETRY and attempts >= max_attempts:
            status, error = Status.FAILED, f"Gave up after {attempts} attempts: {outcome.reason}"
        else:
            status, error = Status.CREATED, outcome.reason
            if outcome.kind == REQUEUE:
                attempts = max(attempts - 1, 0)
        rows[task.id] = (status, views, error, attempts, collected, outcome.posted_at, next_at)
    owned = _write(claim, rows, now)
    report = BatchReport()
    for task_id in owned:
        status, attempts = rows[task_id][0], rows[task_id][3]
        if status == Status.DONE:
            report.done += 1
        elif status == Status.FAILED:
            report.failed += 1
        else:
            report.retry_ids.append(task_id)
            report.retry_after = max(report.retry_after, _backoff(cfg, attempts))
    return report


# status, views, error, attempts, collected_at, posted_at, next_collect_at
_Row = tuple[Status, int | None, str, int, datetime | None, datetime | None, datetime | None]


def _write(claim: uuid.UUID, rows: dict[int, _Row], now: datetime) -> list[int]:
    if not rows:
        return []
    if connection.vendor == "postgresql":
        columns = list(zip(*rows.values(), strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                _FINISH_SQL,
                [
                    now,
                    list(rows),
                    *map(list, columns),
                    claim,
                    Status.IN_PROGRESS,
                    now,
                    Status.DONE,
                ],
            )
            return sorted(row[0] for row in cursor.fetchall())
    with transaction.atomic():
        return _write_orm(claim, rows, now)


def _write_orm(claim: uuid.UUID, rows: dict[int, _Row], now: datetime) -> list[int]:
    owned = list(
        ViewTask.objects.select_for_update()
        .filter(id__in=list(rows), claim=claim, status=Status.IN_PROGRESS)
        .order_by("id")
    )
    for task in owned:
        status, views, error, attempts, collected, posted, next_at = rows[task.id]
        task.status, task.error, task.attempts, task.claim = status, error, attempts, None
        task.views = views if views is not None else task.views
        task.collected_at = collected or task.collected_at
        task.posted_at = posted or task.posted_at
        task.next_collect_at, task.updated_at = next_at, now
    fields = [
        "status",
        "views",
        "error",
        "claim",
        "attempts",
        "collected_at",
        "posted_at",
        "next_collect_at",
        "updated_at",
    ]
    ViewTask.objects.bulk_update(owned, fields)
    ViewReading.objects.bulk_create(
        [
            ViewReading(task_id=task.id, views=task.views, collected_at=now)
            for task in owned
            if task.status == Status.DONE and task.views is not None  # a done task has views
        ]
    )
    return [task.id for task in owned]


VK_KEYS = [
    "viewstats.vk_api_url",
    "viewstats.vk_tokens",
    "viewstats.vk_api_version",
    "viewstats.vk_rps",
    "viewstats.vk_timeout",
    "viewstats.vk_pause",
    "viewstats.vk_invalid_token_pause",
    "viewstats.max_attempts",
    "viewstats.retry_backoff",
    "viewstats.retry_backoff_max",
    "viewstats.recollect_interval",
]
_ACCESS_REASONS = {15: "access denied", 18: "post deleted", 30: "profile or community is private"}


def vk_batch_collect(*, task_ids: list[int]) -> BatchReport:
    """Collect up to 100 VK tasks with one wall.getById call. Tasks no longer queued are skipped.
    Error 6 and network errors: retried with backoff, failed after max attempts. 29: the token
    rests and the batch goes back to the queue. 5: the batch fails with the token error (shown
    to admins on the token's row) and the token rests. 15/18/30: the batch is split until the
    post concerned fails alone. Absent posts fail with the reason. The batch's claim has a
    heartbeat while it runs: a claim whose worker died is known lost within `JOB_LOCK_TTL`
    (`tasks_requeue_stale`)."""
    claim = uuid.uuid4()
    with heartbeat(claim_key(claim)):
        return _vk_collect(claim, task_ids)


def _vk_collect(claim: uuid.UUID, task_ids: list[int]) -> BatchReport:
    cfg = settings_get_many(VK_KEYS)
    tasks = _claim(claim, task_ids)
    if not tasks:
        return BatchReport()

    def every(outcome: Outcome) -> dict[int, Outcome]:
        return {t.id: outcome for t in tasks}

    tokens = list(cfg["viewstats.vk_tokens"] or [])
    if not tokens:
        return _finish(
            claim, tasks, every(Outcome(FAILED, reason="No VK token is configured.")), cfg
        )
    vk.prepare()
    token, wait = upstream.token_pick(Platform.VK, tokens)
    if token is None:
        report = _finish(
            claim, tasks, every(Outcome(REQUEUE, reason="Waiting for a VK token.")), cfg
        )
        report.retry_after = wait
        return report
    if not upstream.rate_acquire(upstream.fingerprint(token), float(cfg["viewstats.vk_rps"])):
        report = _finish(
            claim, tasks, every(Outcome(REQUEUE, reason="Waiting for the rate limit.")), cfg
        )
        report.retry_after = 1.0
        return report
    try:
        posts = vk.wall_get_by_id(
            base_url=cfg["viewstats.vk_api_url"],
            token=token,
            version=cfg["viewstats.vk_api_version"],
            posts=[t.post_key for t in tasks],
            timeout=float(cfg["viewstats.vk_timeout"]),
        )
    except vk.VKError as exc:
        return _vk_error(exc, token, claim, tasks, cfg)
    except vk.VKNetworkError as exc:
        upstream.credential_error(platform=Platform.VK, secret=token, code=None, message=str(exc))
        return _finish(claim, tasks, every(Outcome(RETRY, reason=f"Network error: {exc}")), cfg)
    outcomes = {}
    for task in tasks:
        post = posts.get(task.post_key)
        if post is None:
            outcomes[task.id] = Outcome(
                FAILED, reason="Post not found (deleted, hidden or private)."
            )
        elif post.views is None:
            outcomes[task.id] = Outcome(FAILED, reason="VK shows no view count for this post.")
        else:
            posted = datetime.fromtimestamp(post.date, tz=UTC) if post.date else None
            outcomes[task.id] = Outcome(DONE, views=post.views, posted_at=posted)
    return _finish(claim, tasks, outcomes, cfg)


def _vk_error(
    exc: vk.VKError, token: str, claim: uuid.UUID, tasks: list[Claimed], cfg: dict[str, Any]
) -> BatchReport:
    def every(outcome: Outcome) -> dict[int, Outcome]:
        return {t.id: outcome for t in tasks}

    record: dict[str, Any] = {
        "platform": Platform.VK,
        "secret": token,
        "code": exc.code,
        "message": str(exc),
    }
    if exc.code in vk.RATE_ERRORS:
        upstream.credential_error(**record)
        return _finish(claim, tasks, every(Outcome(RETRY, reason=f"VK rate limit ({exc})")), cfg)
    if exc.code in vk.PAUSE_ERRORS:
        upstream.credential_error(**record, pause_seconds=int(cfg["viewstats.vk_pause"]))
        report = _finish(
            claim, tasks, every(Outcome(REQUEUE, reason=f"VK token paused ({exc})")), cfg
        )
        _, report.retry_after = upstream.token_pick(Platform.VK, cfg["viewstats.vk_tokens"])
        return report
    if exc.code in vk.AUTH_ERRORS:
        pause = int(cfg["viewstats.vk_invalid_token_pause"])
        upstream.credential_error(**record, pause_seconds=pause, invalid=True)
        reason = f"VK token {upstream.mask(token)} was refused ({exc}); an admin must replace it."
        return _finish(claim, tasks, every(Outcome(FAILED, reason=reason)), cfg)
    if exc.code in vk.ACCESS_ERRORS:
        if len(tasks) > 1:
            # The error names no post: halve the batch until the culprit is alone.
            report = _finish(claim, tasks, every(Outcome(REQUEUE, reason="")), cfg)
            ids = report.retry_ids
            report.splits = [ids[: len(ids) // 2], ids[len(ids) // 2 :]]
            report.retry_ids, report.retry_after = [], 0.0
            return report
        reason = f"VK error {exc.code}, {_ACCESS_REASONS[exc.code]}: {exc.message}"
        return _finish(claim, tasks, every(Outcome(FAILED, reason=reason)), cfg)
    upstream.credential_error(**record)
    return _finish(claim, tasks, every(Outcome(RETRY, reason=str(exc))), cfg)


TELEGRAM_KEYS = [
    "viewstats.telegram_url",
    "viewstats.telegram_rps",
    "viewstats.telegram_timeout",
    "viewstats.max_attempts",
    "viewstats.retry_backoff",
    "viewstats.retry_backoff_max",
    "viewstats.recollect_interval",
]


def telegram_batch_collect(*, task_ids: list[int]) -> BatchReport:
    """Collect Telegram tasks one widget page each, under the shared t.me rate limit. A page
    without a post or a view counter fails the task with the reason; network errors retry.
    The batch's claim has a heartbeat while it runs, as for VK."""
    claim = uuid.uuid4()
    with heartbeat(claim_key(claim)):
        return _telegram_collect(claim, task_ids)


def _telegram_collect(claim: uuid.UUID, task_ids: list[int]) -> BatchReport:
    cfg = settings_get_many(TELEGRAM_KEYS)
    tasks = _claim(claim, task_ids)
    if not tasks:
        return BatchReport()
    base_url = cfg["viewstats.telegram_url"]
    telegram.prepare()
    outcomes: dict[int, Outcome] = {}
    for task in tasks:
        if not upstream.rate_acquire("telegram", float(cfg["viewstats.telegram_rps"])):
            outcomes[task.id] = Outcome(REQUEUE, reason="Waiting for the rate limit.")
            continue
        channel, post_id = task.post_key.split("/")
        try:
            post = telegram.post_fetch(
                base_url=base_url,
                channel=channel,
                post_id=int(post_id),
                timeout=float(cfg["viewstats.telegram_timeout"]),
            )
        except telegram.TelegramNetworkError as exc:
            upstream.credential_error(
                platform=Platform.TELEGRAM,
                secret=base_url,
                code=None,
                message=str(exc),
                label=base_url[:40],
            )
            outcomes[task.id] = Outcome(RETRY, reason=f"Network error: {exc}")
        except telegram.TelegramPostError as exc:
            outcomes[task.id] = Outcome(FAILED, reason=str(exc))
        else:
            outcomes[task.id] = Outcome(DONE, views=post.views, posted_at=post.posted_at)
    return _finish(claim, tasks, outcomes, cfg)
