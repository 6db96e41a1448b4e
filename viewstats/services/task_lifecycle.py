"""Task lifecycle: submit links, retry, return stalled tasks to the queue, re-collect."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.durations import MAX_DURATION
from core.errors import InvalidArgument
from core.locks import alive, lock_ttl
from core.registry import settings_get_many
from viewstats.links import ParsedLink, links_parse
from viewstats.models import Platform, Status, ViewTask
from viewstats.services.queue import batches_enqueue

# What a task looks like to API clients (the contract's four fields first).
TASK_FIELDS = ("platform", "link", "status", "views", "id", "error", "created_at", "updated_at")


def tasks_submit(
    *,
    user: Any,
    platform: str,
    links: Any,
    recollect_interval: int | None = None,
) -> list[dict[str, Any]]:
    """Create (or re-queue) one task per distinct post among `links`; returns them in their
    order as dicts of TASK_FIELDS (plus post_key).

    Every link must parse, otherwise InvalidArgument names each bad one with its position
    (loc ["body", "links", i]); more links than `viewstats.max_links_per_request` is refused.
    A post the user already has keeps its task (and its history): a finished one is queued
    again, a queued or running one is returned as it is. Collection is enqueued after commit.
    """
    if platform not in Platform.values:
        raise InvalidArgument("Unknown platform.", field="platform")
    if not isinstance(links, list) or not links:
        raise InvalidArgument("Give a non-empty list of links.", field="links", code="missing")
    cfg = settings_get_many(["viewstats.max_links_per_request", "viewstats.min_recollect_interval"])
    limit = int(cfg["viewstats.max_links_per_request"])
    if len(links) > limit:
        raise InvalidArgument(f"At most {limit} links per request.", field="links", code="too_long")
    if recollect_interval is not None:
        least = int(cfg["viewstats.min_recollect_interval"])
        if (
            isinstance(recollect_interval, bool)
            or not isinstance(recollect_interval, int)
            or not least <= recollect_interval <= MAX_DURATION
        ):
            raise InvalidArgument(
                f"recollect_interval must be from {least} to {MAX_DURATION} seconds.",
                field="recollect_interval",
            )
    parsed, errors = links_parse(platform, links)
    if errors:
        raise InvalidArgument(errors=errors)
    keys = [p.key for p in parsed]
    now = timezone.now()
    with transaction.atomic():
        mine = ViewTask.objects.filter(user=user, platform=platform)
        existing = _existing_keys(user, platform, keys)
        fresh = [p for p in parsed if p.key not in existing]
        inserted = _insert(fresh, user, platform, recollect_interval, now)
        if recollect_interval is not None and existing:
            mine.filter(post_key__in=existing).update(recollect_interval=recollect_interval)
        requeue = mine.filter(post_key__in=existing, status__in=[Status.DONE, Status.FAILED])
        requeued = set(requeue.select_for_update().values_list("post_key", flat=True))
        if requeued:
            mine.filter(post_key__in=requeued, status__in=[Status.DONE, Status.FAILED]).update(
                status=Status.CREATED,
                error="",
                attempts=0,
                claim=None,
                next_collect_at=None,
                updated_at=now,
            )
        # Rows we inserted are known; only the others (older, or a concurrent request's) are read.
        by_key: dict[str, dict[str, Any]] = {
            p.key: {
                "post_key": p.key,
                "platform": platform,
                "link": p.link,
                "status": Status.CREATED.value,
                "views": None,
                "id": inserted[p.key],
                "error": "",
                "created_at": now,
                "updated_at": now,
            }
            for p in fresh
            if p.key in inserted
        }
        others = [k for k in keys if k not in by_key]
        if others:
            for row in mine.filter(post_key__in=others).values("post_key", *TASK_FIELDS):
                by_key[row["post_key"]] = row
        rows = [by_key[k] for k in keys]
        audit_record(
            action="viewstats.submit",
            target_type="viewstats.task",
            target=platform,
            actor=user,
            data={"links": len(keys), "new": len(inserted), "requeued": len(requeued)},
        )
        batches_enqueue(
            platform,
            [r["id"] for r in rows if r["post_key"] in inserted or r["post_key"] in requeued],
        )
    return rows


_INSERT_SQL = """
INSERT INTO viewstats_viewtask (user_id, platform, post_key, link, status, error, attempts,
                                recollect_interval, created_at, updated_at)
SELECT %s, %s, x.key, x.link, %s, '', 0, %s, %s, %s
FROM unnest(%s::varchar[], %s::varchar[]) WITH ORDINALITY AS x(key, link, n)
ORDER BY x.n
ON CONFLICT DO NOTHING
RETURNING id, post_key
"""


def _existing_keys(user: Any, platform: str, keys: list[str]) -> set[str]:
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of placeholders.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT post_key FROM viewstats_viewtask"
                " WHERE user_id = %s AND platform = %s AND post_key = ANY(%s)",
                [user.pk, platform, keys],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(
        ViewTask.objects.filter(user=user, platform=platform, post_key__in=keys).values_list(
            "post_key", flat=True
        )
    )


def _insert(
    parsed: list[ParsedLink], user: Any, platform: str, interval: int | None, now: datetime
) -> dict[str, int]:
    """Insert new task rows in one statement; returns {post_key: id} of the rows inserted (a row
    a concurrent request inserted first is kept, and is not ours to enqueue)."""
    if not parsed:
        return {}
    if connection.vendor == "postgresql":
        # Two submissions of the same links in different orders would each wait on the other's
        # new unique-index entries (a deadlock): one user's submissions to one platform insert
        # one after the other, each keeping its links' order.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"viewstats.submit:{user.pk}:{platform}"],
            )
            cursor.execute(
                _INSERT_SQL,
                [
                    user.pk,
                    platform,
                    Status.CREATED,
                    interval,
                    now,
                    now,
                    [p.key for p in parsed],
                    [p.link for p in parsed],
                ],
            )
            return {key: pk for pk, key in cursor.fetchall()}
    ViewTask.objects.bulk_create(
        [
            ViewTask(
                user=user,
                platform=platform,
                post_key=p.key,
                link=p.link,
                recollect_interval=interval,
            )
            for p in parsed
        ],
        ignore_conflicts=True,
    )
    # Embedded (SQLite) mode: the keys were absent a moment ago, so these rows are new.
    return dict(
        ViewTask.objects.filter(
            user=user, platform=platform, post_key__in=[p.key for p in parsed]
        ).values_list("post_key", "id")
    )


def tasks_retry(*, task_ids: list[int], actor: Any = None) -> int:
    """Queue finished (failed or done) tasks again with fresh attempts; returns how many.
    Tasks queued or running are left alone."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            ViewTask.objects.select_for_update()
            .filter(id__in=task_ids, status__in=[Status.FAILED, Status.DONE])
            .values_list("id", "platform")
        )
        ids = [r[0] for r in rows]
        ViewTask.objects.filter(id__in=ids).update(
            status=Status.CREATED, error="", attempts=0, claim=None, updated_at=now
        )
        for platform in Platform.values:
            batches_enqueue(platform, [i for i, p in rows if p == platform])
        if ids:
            audit_record(
                action="viewstats.retry",
                target_type="viewstats.task",
                target=",".join(map(str, ids[:50])),
                actor=actor,
                data={"count": len(ids)},
            )
    return len(ids)


def _lost_claims(now: datetime) -> list[uuid.UUID]:
    """Claims of "in progress" tasks whose worker is gone: their heartbeat (see
    services/collect.py) has expired. Claims younger than `JOB_LOCK_TTL` are left alone."""
    from .collect import claim_key

    young = now - timedelta(seconds=lock_ttl())
    claims = {
        claim
        for claim in ViewTask.objects.filter(
            status=Status.IN_PROGRESS, started_at__lt=young
        ).values_list("claim", flat=True)
        if claim is not None
    }
    live = alive(claim_key(claim) for claim in claims)
    return [claim for claim in claims if claim_key(claim) not in live]


def tasks_requeue_stale(*, now: datetime | None = None) -> dict[str, Any]:
    """Return "in progress" tasks whose worker died (their claim's heartbeat expired, within
    `JOB_LOCK_TTL` of the death) or that have been in progress longer than
    `viewstats.stale_after` (a worker stuck past the task time limit) to the queue, and re-send
    queued tasks whose message is `viewstats.stale_after` old. A task that stalls again after
    its last allowed attempt fails."""
    now = now or timezone.now()
    cfg = settings_get_many(["viewstats.stale_after", "viewstats.max_attempts"])
    cutoff = now - timedelta(seconds=int(cfg["viewstats.stale_after"]))
    max_attempts = int(cfg["viewstats.max_attempts"])
    lost = _lost_claims(now)
    with transaction.atomic():
        stalled = ViewTask.objects.select_for_update(skip_locked=True).filter(
            Q(started_at__lt=cutoff) | Q(claim__in=lost), status=Status.IN_PROGRESS
        )
        given_up = stalled.filter(attempts__gte=max_attempts).update(
            status=Status.FAILED,
            claim=None,
            updated_at=now,
            error=f"Collection stalled {max_attempts} times; gave up.",
        )
        returned = list(stalled.values_list("id", "platform"))
        ViewTask.objects.filter(id__in=[r[0] for r in returned]).update(
            status=Status.CREATED,
            claim=None,
            updated_at=now,
            error="Returned to the queue after a stalled run.",
        )
        waiting = list(
            ViewTask.objects.select_for_update(skip_locked=True)
            .filter(status=Status.CREATED, updated_at__lt=cutoff)
            .values_list("id", "platform")
        )
        ViewTask.objects.filter(id__in=[r[0] for r in waiting]).update(updated_at=now)
        rows = returned + waiting
        for platform in Platform.values:
            batches_enqueue(platform, [i for i, p in rows if p == platform])
    return {"returned": len(returned), "resent": len(waiting), "failed": given_up}


def tasks_recollect_due(*, now: datetime | None = None) -> int:
    """Queue every finished task whose re-collection time has come; returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            ViewTask.objects.select_for_update(skip_locked=True)
            .filter(status=Status.DONE, next_collect_at__lte=now)
            .values_list("id", "platform")
        )
        ViewTask.objects.filter(id__in=[r[0] for r in rows]).update(
            status=Status.CREATED,
            attempts=0,
            next_collect_at=None,
            updated_at=now,
            error="",
        )
        for platform in Platform.values:
            batches_enqueue(platform, [i for i, p in rows if p == platform])
    return len(rows)
