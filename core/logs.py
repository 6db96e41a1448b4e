"""Structured logs: every line one JSON object with the request id, and one access line per
request.

The code logs through the standard `logging` module (so pytest's caplog and every library's
loggers keep working); structlog's `ProcessorFormatter` renders each record as JSON at the
handler (`LOGGING` in config/settings/base.py), adding the time, level, logger, the request id
and channel of the current actor (`core.context`: set by the HTTP middleware, restored in
Celery tasks by `core.tasks.PlatformTask`) and any `extra={...}` fields. `LOG_FORMAT=console`
renders the same events for people instead.

`AccessLogMiddleware` writes one line per request on the `platform.access` logger: method,
route (the URL pattern, never the path, which can hold a share token or a secret's path),
status, duration and user id. Headers and query strings are never logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty
from structlog.typing import EventDict, Processor, WrappedLogger

from .context import current_actor

access_logger = logging.getLogger("platform.access")


def add_actor(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """The request id (and entry point) of whoever is acting, unless the event has its own."""
    actor = current_actor()
    if actor.request_id:
        event_dict.setdefault("request_id", actor.request_id)
    if actor.channel:
        event_dict.setdefault("channel", actor.channel)
    return event_dict


def _pre_chain() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_actor,
    ]


def formatter(render: str = "json") -> dict[str, Any]:
    """A `logging.config` formatter entry rendering records as JSON (or for a console)."""
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if render == "console"
        else structlog.processors.JSONRenderer()
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _pre_chain(),
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    }


def _user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id if the request already knows it (never a lookup of its own:
    the access line must not add a query, nor fail when the database is down)."""
    actor_user = current_actor().user
    if (
        actor_user is not None
        and not isinstance(actor_user, SimpleLazyObject)
        and getattr(actor_user, "is_authenticated", False)
    ):
        user_pk: int | None = actor_user.pk
        return user_pk
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def request_route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + match.route if match.route else match.view_name or "unmatched"


class AccessLogMiddleware:
    """One access line and the request metrics per request (inside the actor context)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from .metrics import request_observe

        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        route = request_route(request)
        request_observe(
            method=request.method, route=route, status=response.status_code, seconds=duration
        )
        access_logger.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Error reports to Sentry (only when SENTRY_DSN is set; never in tests). No personal data
    is sent (`send_default_pii=False`: no cookies, headers or user details)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
