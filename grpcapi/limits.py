"""Long calls (an open StreamEvents stream, a GetCode waiting for its SMS) hold a server thread
for as long as they last. At most `limit` run at once per process, so unary calls always find
a thread; one more is refused with RESOURCE_EXHAUSTED before it starts waiting."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import ResourceExhausted


class LongCalls:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self._lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._lock:
            if self.running >= self.limit:
                raise ResourceExhausted(
                    "Too many long calls (streams, code waits) are open on this server; "
                    "retry later."
                )
            self.running += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1


def long_call_limit(workers: int) -> int:
    """Seven eighths of the thread pool: an eighth (at least 2 threads) stays for unary calls."""
    return max(1, workers - max(2, workers // 8))
