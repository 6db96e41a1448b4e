"""The HTTP entry point's context: the client address (settled once, here) and a request id.

`RequestContextMiddleware` runs first. It resolves the client address (believing
`X-Forwarded-For` only from trusted proxies), takes the caller's `X-Request-ID` if it is
well-formed or makes one, and opens the actor context (`core.context`) for the request: the
user is filled in lazily from Django's authentication, and the API's token authentication
adds the token once it has checked it. The answer carries `X-Request-ID`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseNotFound,
    JsonResponse,
)
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from .context import acting, new_request_id
from .ints import parse_int
from .networks import ip_in_networks
from .paths import is_api_path


def trusted_proxies() -> list[str]:
    from .registry import setting_get

    proxies: list[str] = setting_get("security.trusted_proxies")
    return proxies


def client_ip(request: HttpRequest) -> str:
    """The client's address: the peer, or the first hop before our trusted proxies."""
    peer: str = request.META.get("REMOTE_ADDR", "") or ""
    forwarded: str | None = request.META.get("HTTP_X_FORWARDED_FOR")
    if not forwarded:
        return peer
    proxies = trusted_proxies()
    if not proxies or not ip_in_networks(peer, proxies):
        return peer
    # Walk from the nearest hop back and stop at the first address that is not a trusted proxy.
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not ip_in_networks(hop, proxies):
            return hop
    return hops[0] if hops else peer


def request_client_ip(request: HttpRequest) -> str:
    """The address settled by the middleware (or settled now, for a request that bypassed it)."""
    ip: str | None = getattr(request, "client_ip", None)
    if ip is None:
        ip = client_ip(request)
        setattr(request, "client_ip", ip)  # noqa: B010 (our own attribute of the request)
    return ip


GetResponse = Callable[[HttpRequest], HttpResponseBase]


class RequestContextMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        ip = client_ip(request)
        request_id = new_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        # Our own attributes of the request, for the views that read them.
        setattr(request, "client_ip", ip)  # noqa: B010
        setattr(request, "request_id", request_id)  # noqa: B010
        user = SimpleLazyObject(lambda: getattr(request, "user", None))
        with acting(user=user, ip=ip, request_id=request_id, channel="http"):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


LIVENESS_PATH = "/api/v1/health/live"


def liveness_response() -> JsonResponse:
    response = JsonResponse({"status": "alive"})
    response["Cache-Control"] = "no-store"
    return response


def liveness(get_response: GetResponse) -> GetResponse:
    """First in the stack: `GET /api/v1/health/live` answers 200 as long as the process serves
    requests, before host validation, the HTTPS policy or any database/Redis access, so that a
    container healthcheck on 127.0.0.1 restarts a hung process and nothing else. Readiness
    (database, Redis) is `/api/v1/health`."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            return liveness_response()
        return get_response(request)

    return middleware


# Pages that show a secret to whoever holds its link, signed in or not (shared secrets).
NO_STORE_PAGES = ("/secrets/",)


class NoStoreMiddleware:
    """One rule for every answer that may carry a secret, a credential or a token: no browser
    or proxy cache keeps it. Every API answer (tokens, secrets, credentials, orders and their
    exports, logins, and the errors too), every page answered to a signed-in person (the
    admin's reveals, the tokens page, the shop's orders) and the secret-sharing pages get
    `Cache-Control: no-store`. Static files (served before authentication) are not touched."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        current = response.get("Cache-Control")
        if current and "no-store" in current:
            return response
        if (
            is_api_path(request.path)
            or request.path.startswith(NO_STORE_PAGES)
            or _signed_in(request)
        ):
            if current:
                patch_cache_control(response, no_store=True)
            else:
                response["Cache-Control"] = "no-store"
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)  # absent when answered before authentication
    return bool(user is not None and user.is_authenticated)


NUL_IN_QUERY = re.compile(r"%00|\x00")
# Below gunicorn's request-line limit (config/gunicorn.py), so the app answers, in JSON.
MAX_URL_BYTES = 8000


def request_sanity(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Refuses, before any view reads the request, what no route can serve (in the route's
    error shape for API paths):
    - a URL (path and query) over MAX_URL_BYTES: 414;
    - a body larger than `settings.REQUEST_MAX_BODY_BYTES`, by its Content-Length and without
      reading it: 413 (a malformed Content-Length is 400);
    - a NUL byte in the path (404: no resource has such a name) or in the query string (422 on
      the project's API naming the parameter, 400 under /v1/, 400 on pages). PostgreSQL cannot
      compare text with NUL, so such a value would otherwise fail deep inside a query.
    JSON bodies are checked by the API's parsers (core.api.parsers)."""
    from core.api.views import api_error

    def middleware(request: HttpRequest) -> HttpResponseBase:
        path = request.path
        api = is_api_path(path)
        if "\x00" in path:
            if api:
                return api_error(path, 404, "Not found.")
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        query = request.META.get("QUERY_STRING", "")
        if len(path) + len(query) > MAX_URL_BYTES:
            if api:
                return api_error(path, 414, f"The URL is longer than {MAX_URL_BYTES} bytes.")
            return HttpResponse("URI too long.", status=414, content_type="text/plain")
        if NUL_IN_QUERY.search(query):
            if api:
                name = _nul_parameter(request)
                message = f"{name}: NUL characters are not allowed." if name else "Bad request."
                return api_error(path, 422, message, loc=["query", name] if name else ["query"])
            return HttpResponseBadRequest("Bad request.", content_type="text/plain")
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = parse_int(length, minimum=0, name="Content-Length")
        except ValueError as exc:
            if api:
                return api_error(path, 400, str(exc))
            return HttpResponseBadRequest("Bad request.", content_type="text/plain")
        limit = settings.REQUEST_MAX_BODY_BYTES
        if api and size > limit:
            return api_error(
                path, 413, f"The request body is larger than the limit of {limit} bytes."
            )
        return get_response(request)

    return middleware


def _nul_parameter(request: HttpRequest) -> str:
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    return ""
