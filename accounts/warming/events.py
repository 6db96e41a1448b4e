"""Warming events (the contract's StreamEvents), fanned out through a bounded Redis Stream.

Any worker appends with XADD (MAXLEN ~ warming.events_maxlen); any web process tails the
stream with XREAD BLOCK, so a client sees events from every worker, and `Last-Event-ID`
resumes from the retained history. Without Redis (embedded mode) events go to the
WarmingEvent table and streams poll it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections, transaction

from core.redis import get_redis
from core.registry import setting_get, settings_get_many

from .models import WarmingEvent

STREAM_KEY = "warming:events"
EVENT_TYPES = ("action_started", "action_completed", "action_failed", "status_changed")
_READ_BLOCK_MS = 2000  # below the shared client's socket timeout


@dataclass(frozen=True)
class Event:
    id: str
    task_id: int
    event_type: str
    timestamp: str
    data: dict


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _fields(task_id: int, event_type: str, data: dict) -> dict:
    return {
        "task_id": str(task_id),
        "event_type": event_type,
        "timestamp": _now_iso(),
        "data": json.dumps({k: str(v) for k, v in data.items()}),
    }


def events_publish_many(items: Iterable[tuple[int, str, dict]]) -> None:
    """Append events now (one round trip). Prefer `event_publish`, which waits for commit."""
    items = list(items)
    if not items:
        return
    client = get_redis()
    if client is None:
        _db_trim()
        WarmingEvent.objects.bulk_create(
            WarmingEvent(
                task_id=task_id, event_type=kind, data={k: str(v) for k, v in data.items()}
            )
            for task_id, kind, data in items
        )
        return
    maxlen = setting_get("warming.events_maxlen")
    pipe = client.pipeline(transaction=False)
    for task_id, kind, data in items:
        pipe.xadd(STREAM_KEY, _fields(task_id, kind, data), maxlen=maxlen, approximate=True)
    pipe.execute()


def _db_trim() -> None:
    """Keep the event table bounded like the stream (about warming.events_maxlen rows)."""
    newest = WarmingEvent.objects.order_by("-id").values_list("id", flat=True).first()
    maxlen = setting_get("warming.events_maxlen")
    if newest and newest % 100 == 0:  # trimming every hundredth write is enough
        WarmingEvent.objects.filter(id__lte=newest - maxlen).delete()


def event_publish(*, task_id: int, event_type: str, data: dict | None = None) -> None:
    """Publish after the surrounding transaction commits (nothing is announced that rolls
    back). Events are notifications: losing one to a Redis outage never fails the caller."""
    payload = dict(data or {})

    def send() -> None:
        try:
            events_publish_many([(task_id, event_type, payload)])
        except Exception:  # noqa: BLE001 - the state change is already committed
            import logging

            logging.getLogger(__name__).warning("warming event lost", exc_info=True)

    transaction.on_commit(send)


def _decode(raw_id, fields) -> Event:
    def text(value) -> str:
        return value.decode() if isinstance(value, bytes) else value

    fields = {text(k): text(v) for k, v in fields.items()}
    return Event(
        id=text(raw_id),
        task_id=int(fields["task_id"]),
        event_type=fields["event_type"],
        timestamp=fields["timestamp"],
        data=json.loads(fields["data"]),
    )


def format_sse(event: Event) -> str:
    body = json.dumps(
        {
            "task_id": str(event.task_id),
            "event_type": event.event_type,
            "timestamp": event.timestamp,
            "data": event.data,
        }
    )
    return f"id: {event.id}\nevent: {event.event_type}\ndata: {body}\n\n"


def event_matches(event: Event, task_id: int | None, types: set[str]) -> bool:
    return (task_id is None or event.task_id == task_id) and (
        not types or event.event_type in types
    )


def event_stream(
    *,
    task_id: int | None = None,
    event_types: Iterable[str] = (),
    last_event_id: str | None = None,
    max_seconds: float | None = None,
) -> Iterator[str]:
    """SSE text: matching events from `last_event_id` on (or from now), a heartbeat comment on
    idle, and an end after `max_seconds` (bounded by warming.sse_max_seconds)."""
    conf = settings_get_many(["warming.sse_heartbeat_seconds", "warming.sse_max_seconds"])
    limit = conf["warming.sse_max_seconds"]
    max_seconds = min(max_seconds or limit, limit)
    deadline = time.monotonic() + max_seconds
    heartbeat = conf["warming.sse_heartbeat_seconds"]
    types = set(event_types)
    client = get_redis(blocking=True)
    if client is not None:
        source = redis_source(client, last_event_id)
        # A stream may stay open for an hour: it must not hold a database connection (the
        # request's authentication opened one) while it only reads Redis.
        connections.close_all()
    else:
        source = db_source(last_event_id)
    yield "retry: 3000\n: stream open\n\n"
    last_beat = time.monotonic()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        wait = min(remaining, heartbeat - (time.monotonic() - last_beat), _READ_BLOCK_MS / 1000)
        batch = source(max(wait, 0.01))
        for event in batch:
            if event_matches(event, task_id, types):
                yield format_sse(event)
                last_beat = time.monotonic()
        if time.monotonic() - last_beat >= heartbeat:
            yield ": heartbeat\n\n"
            last_beat = time.monotonic()


def redis_source(client, last_event_id: str | None):
    """`read(wait_seconds) -> [Event]`: the events after `last_event_id` (or from now) on the
    Redis stream, each call blocking at most `wait_seconds` (SSE streams, the gRPC hub)."""
    if last_event_id:
        cursor = last_event_id
    else:
        newest = client.xrevrange(STREAM_KEY, count=1)
        cursor = _decode(*newest[0]).id if newest else "0-0"
    state = {"cursor": cursor}

    def read(wait_seconds: float) -> list[Event]:
        reply = client.xread(
            {STREAM_KEY: state["cursor"]}, count=500, block=max(1, int(wait_seconds * 1000))
        )
        events = [
            _decode(raw_id, fields) for _key, entries in reply or [] for raw_id, fields in entries
        ]
        if events:
            state["cursor"] = events[-1].id
        return events

    return read


def db_source(last_event_id: str | None):
    """The same reader over the event table (embedded mode, no Redis)."""
    if last_event_id and last_event_id.isdigit():
        cursor = int(last_event_id)
    else:
        newest = WarmingEvent.objects.order_by("-id").values_list("id", flat=True).first()
        cursor = newest or 0
    state = {"cursor": cursor}

    def read(wait_seconds: float) -> list[Event]:
        rows = list(WarmingEvent.objects.filter(id__gt=state["cursor"]).order_by("id")[:500])
        if not rows:
            time.sleep(min(wait_seconds, 1.0))
            return []
        state["cursor"] = rows[-1].id
        return [
            Event(
                id=str(r.id),
                task_id=r.task_id,
                event_type=r.event_type,
                timestamp=r.timestamp.isoformat().replace("+00:00", "Z"),
                data=r.data,
            )
            for r in rows
        ]

    return read
