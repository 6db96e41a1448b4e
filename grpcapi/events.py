"""StreamEvents fan-out: one reader of the warming event stream per server process.

The warming engine appends its events to one Redis stream (`accounts.warming.events`, the
same source as the SSE endpoint). A hub thread tails it (XREAD BLOCK) and hands each event to
the subscribed gRPC streams whose filter matches, through a bounded queue per stream, so N
open streams cost one Redis read, not N. A stream whose queue is full (a slow client) is
dropped — it ends with RESOURCE_EXHAUSTED and its client reconnects — and never delays the
others; a cancelled or vanished client's subscription is removed by its call's callback.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

import redis
from django.conf import settings

from accounts.warming.events import Event, db_source, event_matches, redis_source

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1000
CLOSED = object()  # the hub is stopping or the client went away
OVERFLOW = object()  # the client did not keep up


class Subscription:
    def __init__(self, task_id: int | None, types: Iterable[str]) -> None:
        self.task_id = task_id
        self.types = set(types)
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self.ended = False

    def offer(self, event: Event, item: Any = None) -> bool:
        """Queue `item` (the event itself by default) if the event matches; False when the
        subscriber is too slow (it is ended)."""
        if self.ended or not event_matches(event, self.task_id, self.types):
            return True
        try:
            self.queue.put_nowait(event if item is None else item)
            return True
        except queue.Full:
            self.end(OVERFLOW)
            return False

    def end(self, why: object = CLOSED) -> None:
        if self.ended:
            return
        self.ended = True
        # make room so the marker always fits, then wake the reader
        while True:
            try:
                self.queue.put_nowait(why)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self.queue.get_nowait()

    def get(self, timeout: float) -> Any:
        """The next event, CLOSED, OVERFLOW, or None after `timeout` seconds of quiet."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class EventHub:
    def __init__(
        self, *, redis_url: str | None = None, prepare: Callable[[Event], Any] | None = None
    ) -> None:
        """`prepare(event)` makes what the streams receive, once per event for all of them
        (the gRPC message), instead of once per stream."""
        url = settings.REDIS_URL if redis_url is None else redis_url
        self.prepare = prepare
        # socket timeout above the XREAD block time
        self.redis = redis.Redis.from_url(url, socket_timeout=5) if url else None
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grpc-events", daemon=True)

    def start(self) -> EventHub:
        self._thread.start()
        return self

    def subscribe(self, *, task_id: int | None, types: Iterable[str]) -> Subscription:
        sub = Subscription(task_id, types)
        with self._lock:
            if self._stop.is_set():
                sub.end()
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.end()
        with self._lock:
            self._subs.discard(sub)

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    def close(self) -> None:
        """End every stream (they finish cleanly) and stop reading."""
        self._stop.set()
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.end()

    def _source(self):
        if self.redis is None:
            return db_source(None)
        return redis_source(self.redis, None)

    def _run(self) -> None:
        read = None
        while not self._stop.is_set():
            try:
                if read is None:
                    read = self._source()
                events = read(1.0)
            except Exception:  # noqa: BLE001 - Redis away: retry, streams stay open
                logger.warning("warming event hub: cannot read events", exc_info=True)
                read = None
                self._stop.wait(1.0)
                continue
            if not events:
                continue
            with self._lock:
                subs = list(self._subs)
            for event in events:
                item = self.prepare(event) if self.prepare and subs else None
                for sub in subs:
                    if not sub.offer(event, item):
                        with self._lock:
                            self._subs.discard(sub)
