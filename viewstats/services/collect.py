"""Collecting views: claim a batch of tasks, ask the platform once per batch, write every result
in two statements. VK errors are handled as UPSTREAM.md says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from secrets_app.registry import settings_get_many

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


def _claim(task_ids: list[int]) -> tuple[uuid.UUID, list[ViewTask]]:
    """Mark the still-queued tasks among `task_ids` "in progress" under a new claim. Rows another
    worker holds are skipped, so a task is never collected twice at once."""
    claim = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ViewTask.objects.select_for_update(skip_locked=True)
            .filter(id__in=task_ids, status=Status.CREATED)
            .only("id", "post_key")
        )
        if rows:
            ViewTask.objects.filter(id__in=[r.id for r in rows]).update(
                status=Status.IN_PROGRESS,
                claim=claim,
                started_at=now,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    return claim, rows


def _backoff(cfg: dict, attempts: int) -> float:
    base = float(cfg["viewstats.retry_backoff"])
    return min(float(cfg["viewstats.retry_backoff_max"]), base * 2 ** max(attempts - 1, 0))


def _finish(claim: uuid.UUID, outcomes: dict[int, Outcome], cfg: dict) -> BatchReport:
    """Apply outcomes to the rows this claim still owns (a stale run returned to the queue and
    picked up elsewhere is left alone)."""
    report = BatchReport()
    now = timezone.now()
    global_interval = int(cfg["viewstats.recollect_interval"])
    max_attempts = int(cfg["viewstats.max_attempts"])
    with transaction.atomic():
        owned = list(
            ViewTask.objects.select_for_update()
            .filter(id__in=list(outcomes), claim=claim, status=Status.IN_PROGRESS)
            .only("id", "attempts", "recollect_interval", "views", "posted_at")
        )
        readings = []
        for task in owned:
            outcome = outcomes[task.id]
            task.updated_at = now
            task.claim = None
            if outcome.kind == DONE:
                task.status, task.views, task.error = Status.DONE, outcome.views, ""
                task.collected_at = now
                task.posted_at = outcome.posted_at or task.posted_at
                interval = task.recollect_interval or global_interval
                task.next_collect_at = now + timedelta(seconds=interval) if interval else None
                readings.append(ViewReading(task_id=task.id, views=outcome.views, collected_at=now))
                report.done += 1
            elif outcome.kind == FAILED or (
                outcome.kind == RETRY and task.attempts >= max_attempts
            ):
                task.status, task.next_collect_at = Status.FAILED, None
                task.error = outcome.reason
                if outcome.kind == RETRY:
                    task.error = f"Gave up after {task.attempts} attempts: {outcome.reason}"
                report.failed += 1
            else:
                task.status, task.error = Status.CREATED, outcome.reason
                if outcome.kind == REQUEUE:
                    task.attempts = max(task.attempts - 1, 0)
                report.retry_ids.append(task.id)
                report.retry_after = max(report.retry_after, _backoff(cfg, task.attempts))
        ViewTask.objects.bulk_update(
            owned,
            [
                "status",
                "views",
                "error",
                "claim",
                "attempts",
                "collected_at",
                "posted_at",
                "next_collect_at",
                "updated_at",
            ],
        )
        if readings:
            ViewReading.objects.bulk_create(readings)
    return report


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
    post concerned fails alone. Absent posts fail with the reason."""
    cfg = settings_get_many(VK_KEYS)
    claim, tasks = _claim(task_ids)
    if not tasks:
        return BatchReport()
    every = lambda outcome: {t.id: outcome for t in tasks}  # noqa: E731
    tokens = list(cfg["viewstats.vk_tokens"] or [])
    if not tokens:
        return _finish(claim, every(Outcome(FAILED, reason="No VK token is configured.")), cfg)
    vk.prepare()
    token, wait = upstream.token_pick(Platform.VK, tokens)
    if token is None:
        report = _finish(claim, every(Outcome(REQUEUE, reason="Waiting for a VK token.")), cfg)
        report.retry_after = wait
        return report
    if not upstream.rate_acquire(upstream.fingerprint(token), float(cfg["viewstats.vk_rps"])):
        report = _finish(claim, every(Outcome(REQUEUE, reason="Waiting for the rate limit.")), cfg)
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
        return _finish(claim, every(Outcome(RETRY, reason=f"Network error: {exc}")), cfg)
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
    return _finish(claim, outcomes, cfg)


def _vk_error(exc: vk.VKError, token: str, claim, tasks: list[ViewTask], cfg: dict) -> BatchReport:
    every = lambda outcome: {t.id: outcome for t in tasks}  # noqa: E731
    record = {"platform": Platform.VK, "secret": token, "code": exc.code, "message": str(exc)}
    if exc.code in vk.RATE_ERRORS:
        upstream.credential_error(**record)
        return _finish(claim, every(Outcome(RETRY, reason=f"VK rate limit ({exc})")), cfg)
    if exc.code in vk.PAUSE_ERRORS:
        upstream.credential_error(**record, pause_seconds=int(cfg["viewstats.vk_pause"]))
        report = _finish(claim, every(Outcome(REQUEUE, reason=f"VK token paused ({exc})")), cfg)
        _, report.retry_after = upstream.token_pick(Platform.VK, cfg["viewstats.vk_tokens"])
        return report
    if exc.code in vk.AUTH_ERRORS:
        pause = int(cfg["viewstats.vk_invalid_token_pause"])
        upstream.credential_error(**record, pause_seconds=pause, invalid=True)
        reason = f"VK token {upstream.mask(token)} was refused ({exc}); an admin must replace it."
        return _finish(claim, every(Outcome(FAILED, reason=reason)), cfg)
    if exc.code in vk.ACCESS_ERRORS:
        if len(tasks) > 1:
            # The error names no post: halve the batch until the culprit is alone.
            report = _finish(claim, every(Outcome(REQUEUE, reason="")), cfg)
            ids = report.retry_ids
            report.splits = [ids[: len(ids) // 2], ids[len(ids) // 2 :]]
            report.retry_ids, report.retry_after = [], 0.0
            return report
        reason = f"VK error {exc.code}, {_ACCESS_REASONS[exc.code]}: {exc.message}"
        return _finish(claim, every(Outcome(FAILED, reason=reason)), cfg)
    upstream.credential_error(**record)
    return _finish(claim, every(Outcome(RETRY, reason=str(exc))), cfg)


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
    without a post or a view counter fails the task with the reason; network errors retry."""
    cfg = settings_get_many(TELEGRAM_KEYS)
    claim, tasks = _claim(task_ids)
    if not tasks:
        return BatchReport()
    base_url = cfg["viewstats.telegram_url"]
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
    return _finish(claim, outcomes, cfg)
