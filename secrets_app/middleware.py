"""The client address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from .security import ip_in_networks


def trusted_proxies() -> list:
    from .registry import setting_get

    return setting_get("security.trusted_proxies")


def client_ip(request) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
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


class ClientIPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip(request)
        return self.get_response(request)
