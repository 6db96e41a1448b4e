"""The Celery entry point's context: every task runs as the actor who queued it.

`PlatformTask` is the app's task base class (`config/celery.py`). Queuing a task copies the
current actor's user id, token accessor, client address and request id into the message
headers; running it opens the actor context from them (channel "task"), so audit records
written by a task say who asked for the work, and logs share the request id. A task queued
by the system (beat) runs as the system with a fresh request id. Each run's outcome and
duration are counted for `/metrics` (core/metrics.py).
"""

from __future__ import annotations

import time
from typing import Any

from celery import Task
from celery.exceptions import Retry
from celery.result import AsyncResult
from django.utils.functional import SimpleLazyObject

from .context import acting, current_actor, new_request_id
from .metrics import task_observe
from .redis import broker_guarded

HEADER = "platform_actor"


def _load_user(user_id: int) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


def actor_headers() -> dict[str, Any]:
    actor = current_actor()
    user = actor.authenticated_user
    return {
        "user_id": getattr(user, "pk", None),
        "accessor": actor.accessor,
        "ip": actor.ip,
        "request_id": actor.request_id,
    }


class PlatformTask(Task[..., Any]):
    def apply_async(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: str | None = None,
        **options: Any,
    ) -> AsyncResult[Any]:
        headers = dict(options.pop("headers", None) or {})
        headers.setdefault(HEADER, actor_headers())
        # A frozen broker Redis costs one publish timeout per REDIS_RETRY_SECONDS, not one per
        # request (core/redis.py); the caller sees RedisDown or kombu's OperationalError.
        with broker_guarded(self.app.conf.broker_url or ""):
            return super().apply_async(
                args,
                kwargs,
                task_id,
                producer,
                link,
                link_error,
                shadow,
                headers=headers,
                **options,
            )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sent = (getattr(self.request, "headers", None) or {}).get(HEADER)
        if sent is None:  # Celery may flatten custom headers into the request itself
            sent = getattr(self.request, HEADER, None)
        sent = sent if isinstance(sent, dict) else {}
        user_id = sent.get("user_id")
        user = SimpleLazyObject(lambda: _load_user(user_id)) if user_id else None
        started = time.perf_counter()
        outcome = "failure"
        try:
            with acting(
                user=user,
                token=None,
                accessor=str(sent.get("accessor") or ""),
                ip=str(sent.get("ip") or ""),
                request_id=new_request_id(sent.get("request_id") or self.request.id),
                channel="task",
            ):
                result = super().__call__(*args, **kwargs)
            outcome = "success"
            return result
        except Retry:
            outcome = "retry"
            raise
        finally:
            task_observe(task=self.name, outcome=outcome, seconds=time.perf_counter() - started)
