"""HTTPS enforcement and API network allow-list from the security configuration.

- `security.require_https`: a plain-HTTP API call is refused with 403 and an explanation (an API
  client must not be taught to follow a redirect that would resend its token); a page is
  redirected to its https:// address.
- `X-Forwarded-Proto` is believed only when the direct peer (REMOTE_ADDR) is in
  `security.trusted_proxies`. From anyone else the header is removed, so nothing later in the
  stack (Django's `SECURE_PROXY_SSL_HEADER`, `request.is_secure()`) can be fooled by it; from a
  trusted proxy saying https the request is marked secure (`wsgi.url_scheme`).
- `security.allowed_cidrs`: when non-empty, API calls from a client address (as resolved by
  ClientIPMiddleware) outside those networks are refused with 403.

One `settings_get_many` call (one cache round trip) per request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, HttpResponsePermanentRedirect, JsonResponse

from core.api.views import api_error
from core.networks import ip_in_networks
from core.paths import is_api_path
from core.registry import settings_get_many

KEYS = ("security.require_https", "security.trusted_proxies", "security.allowed_cidrs")
HTTPS_REQUIRED = (
    "HTTPS is required: this server's security configuration refuses plain-HTTP API calls. "
    "Repeat the request with https://."
)
NETWORK_REFUSED = "Your network address is not allowed to call the API."


def request_is_https(request: HttpRequest, trusted_proxies: list[str]) -> bool:
    """The request reached us over TLS, directly or through a trusted proxy that says so.

    Side effect: an `X-Forwarded-Proto` from an untrusted peer is dropped from META."""
    if request.META.get("wsgi.url_scheme") == "https":
        return True
    forwarded = request.META.get("HTTP_X_FORWARDED_PROTO")
    if forwarded is None:
        return False
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if trusted_proxies and ip_in_networks(peer, trusted_proxies):
        # A chain of proxies appends; the first entry is what the client spoke to the edge.
        if forwarded.split(",")[0].strip().lower() == "https":
            request.META["wsgi.url_scheme"] = "https"
            return True
        return False
    del request.META["HTTP_X_FORWARDED_PROTO"]
    return False


def _refusal(path: str, message: str) -> JsonResponse:
    # The Vault-compatible API answers in Vault's error shape; every other API in ours.
    return api_error(path, 403, message)


class HTTPSPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        values = settings_get_many(KEYS)
        api = is_api_path(request.path)
        secure = request_is_https(request, values["security.trusted_proxies"] or [])
        if values["security.require_https"] and not secure:
            if api:
                return _refusal(request.path, HTTPS_REQUIRED)
            response = HttpResponsePermanentRedirect(
                f"https://{request.get_host()}{request.get_full_path()}"
            )
            if request.method not in ("GET", "HEAD"):
                # 308 keeps the method and body, unlike 301.
                response.status_code = 308
            return response
        allowed = values["security.allowed_cidrs"]
        if api and allowed:
            ip = getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")
            if not ip_in_networks(ip, allowed):
                return _refusal(request.path, NETWORK_REFUSED)
        return self.get_response(request)
