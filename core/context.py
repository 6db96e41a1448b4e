"""Who is acting: one context per entry point, read by services and the audit log.

Every entry point sets it once, in the way django-auditlog's `set_actor` does: the HTTP
middleware (`core.middleware.RequestContextMiddleware`, completed by the API's token
authentication), the Celery task signals (`core.tasks`), the gRPC interceptor and the bot's
update handler. Services take domain arguments only; when they audit, `core.audit` reads the
actor, token accessor, client address and request id from here.

The context is a `contextvars.ContextVar`, so it is per thread and per asyncio task: a
threaded server or a thread pool never sees another call's actor.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

# An incoming request id is kept only if it looks like one (it ends up in logs and the audit).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


@dataclass(frozen=True)
class Actor:
    """The caller of the current entry point.

    `user`: the platform user (a `User`, possibly a lazy one) or None for the system and
    anonymous callers; `token`: the authenticating token's context (policies, limits) when a
    token was presented; `accessor`: that token's public handle; `ip`: the client address as
    settled once by the entry point (trusted proxies applied); `request_id`: carried into logs,
    tasks and the audit log; `channel`: "http", "task", "grpc", "bot" or "command".
    """

    user: Any = None
    token: Any = None
    accessor: str = ""
    ip: str = ""
    request_id: str = ""
    channel: str = ""

    @property
    def authenticated_user(self) -> Any:
        """The user if one is authenticated, else None (an AnonymousUser counts as none)."""
        user = self.user
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user


# Actor is frozen: the shared default cannot be changed in place.
_CURRENT: contextvars.ContextVar[Actor] = contextvars.ContextVar(
    "platform_actor",
    default=Actor(),  # noqa: B039
)


def current_actor() -> Actor:
    return _CURRENT.get()


@contextmanager
def acting(**fields: Any) -> Iterator[Actor]:
    """Run a block as `fields`, merged over the current actor; restored afterwards."""
    reset = _CURRENT.set(replace(_CURRENT.get(), **fields))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(reset)


def actor_update(**fields: Any) -> Actor:
    """Change the current actor for the rest of the enclosing `acting` block (the API's token
    authentication adds the user and token once it has checked them)."""
    actor = replace(_CURRENT.get(), **fields)
    _CURRENT.set(actor)
    return actor


def new_request_id(incoming: str | None = None) -> str:
    """`incoming` (a caller's X-Request-ID) if it is well-formed, else a fresh id."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex
