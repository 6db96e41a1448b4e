"""The per-chat rate limit: at most `telegram.rate_limit` updates per `telegram.rate_window`
seconds from one chat (a fixed window counted in Redis, so it holds across every web worker
and the poller). Without Redis (embedded mode) the cache counts; if the counter cannot be
reached at all the update is let through (the bot keeps working without the limit)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from core.redis import get_redis
from core.registry import settings_get_many

logger = logging.getLogger(__name__)


def chat_allowed(chat_id: int) -> tuple[bool, bool]:
    """(allowed, first refusal of this window): the first refusal gets one polite answer,
    the rest none."""
    values = settings_get_many(["telegram.rate_limit", "telegram.rate_window"])
    limit, window = values["telegram.rate_limit"], max(int(values["telegram.rate_window"]), 1)
    key = cache.make_key(f"shopbot:rate:{chat_id}:{int(time.time() // window)}")
    try:
        client = get_redis()
        if client is not None:
            pipe = client.pipeline()
            pipe.incr(key)
            pipe.expire(key, window + 1)
            count = pipe.execute()[0]
        else:
            cache.add(key, 0, window + 1)
            count = cache.incr(key)
    except Exception:
        logger.warning("chat rate limit unavailable; update let through", exc_info=True)
        return True, False
    return count <= limit, count == limit + 1
