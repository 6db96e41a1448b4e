"""Long-lived requests (event streams, the SMS code wait) each hold a web thread for as long as
they last: at most LONG_REQUESTS_PER_PROCESS of them run at once in a process (default half of
GUNICORN_THREADS), so ordinary requests always find a thread. One more is refused with 429 and
Retry-After before it starts waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from core.errors import ResourceExhausted

RETRY_AFTER = 10
_lock = threading.Lock()
_running = 0


class TooManyLongRequests(ResourceExhausted):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="too_many_long_requests")
        self.retry_after = RETRY_AFTER


def long_request_enter(what: str) -> None:
    """Take one of this process's places for a long-lived request (`what`, for the message);
    raises TooManyLongRequests. Pair with `long_request_exit`."""
    global _running
    with _lock:
        if _running >= max(1, int(settings.LONG_REQUESTS_PER_PROCESS)):
            raise TooManyLongRequests(
                f"This server serves as many {what} as it can at once; retry later."
            )
        _running += 1


def long_request_exit() -> None:
    global _running
    with _lock:
        _running -= 1


@contextmanager
def long_request(what: str) -> Iterator[None]:
    long_request_enter(what)
    try:
        yield
    finally:
        long_request_exit()
