"""Outages answered as outages: an unreachable database or Redis is a 503 with `Retry-After`,
never a 500, in the shape of the route that was called.

- `outage_error(exc)` turns a connection-level failure of PostgreSQL (Django's
  OperationalError / InterfaceError: refused, dropped, timed out; and a write refused by a
  read-only PostgreSQL, SQLSTATE 25006) or of Redis (core/redis.py's
  OUTAGE_ERRORS) into the domain error `Unavailable`, which each API's exception handler
  renders in its own shape (`{"detail": ...}`, Vault's `{"errors": [...]}` under /v1/).
- `OutageMiddleware.process_exception` does the same for views outside DRF (pages, admin),
  and `outage_response` serves the 500 handler, for a failure raised in a middleware.

What keeps working from the database while Redis is down, and what refuses, is decided per use
in docs/decisions.md ("Redis outages").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db import InternalError as DjangoInternalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.errors import Unavailable
from core.paths import is_api_path, is_vault_path
from core.redis import OUTAGE_ERRORS

DATABASE_ERRORS = (OperationalError, InterfaceError)
ResponseT = TypeVar("ResponseT", bound=HttpResponse)
MESSAGES = {
    "database": "The database is unavailable or busy; retry later.",
    "redis": "A service this request needs (Redis) is unavailable; retry later.",
}


class ServiceUnavailable(Unavailable):
    """503 for an outage of `dependency` ("database" or "redis"), with Retry-After."""

    def __init__(self, dependency: str) -> None:
        super().__init__(MESSAGES[dependency], code=f"{dependency}_unavailable")
        self.dependency = dependency
        self.retry_after = retry_after()


def retry_after() -> int:
    return max(1, math.ceil(settings.OUTAGE_RETRY_AFTER))


READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction


def _read_only(exc: BaseException) -> bool:
    """A write refused by a PostgreSQL that only reads (a standby after a failover, or
    default_transaction_read_only): an outage of the database for writes, not a bug."""
    return isinstance(exc, DjangoInternalError) and (
        getattr(exc.__cause__, "sqlstate", None) == READ_ONLY_SQLSTATE
    )


def outage_dependency(exc: BaseException | None) -> str | None:
    """ "database", "redis" or None: which dependency's outage `exc` (or its cause) is."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, ServiceUnavailable):
            return exc.dependency
        if isinstance(exc, OUTAGE_ERRORS):
            return "redis"
        if isinstance(exc, DATABASE_ERRORS) or _read_only(exc):
            return "database"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def outage_error(exc: BaseException) -> ServiceUnavailable | None:
    dependency = outage_dependency(exc)
    if dependency is None:
        return None
    # Not logged per request (no traceback either): each access line says 503, readiness says
    # what is down, and a Redis outage is logged once per process (core/redis.py).
    return exc if isinstance(exc, ServiceUnavailable) else ServiceUnavailable(dependency)


def quiet(response: ResponseT) -> ResponseT:
    """An outage's 503 is not logged as a server error per request (Django logs every 5xx at
    ERROR, which Sentry would turn into one event per request): the access line records it, and
    the outage itself is logged once per process."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def outage_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """The 503 for `exc` in the shape of `request`'s route, or None if `exc` is no outage."""
    error = outage_error(exc) if exc is not None else None
    if error is None:
        return None
    path = request.path
    if is_vault_path(path):
        response: HttpResponse = JsonResponse({"errors": [error.message]}, status=503)
    elif is_api_path(path):
        response = JsonResponse({"detail": error.message}, status=503)
    else:
        body = render_to_string("503.html", {"message": error.message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return quiet(response)


class OutageMiddleware:
    """Views outside DRF (pages, the admin): an outage raised by the view is a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_response(request, exception)
