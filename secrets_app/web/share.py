"""The page where a person opens a shared (wrapped) secret once.

GET only says whether the link can still be opened — link previewers and mail scanners
prefetch GETs, so a GET never consumes the secret. The button POSTs, which unwraps it.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import NotFound

from ..services.wrapping import wrap_lookup, wrap_unwrap


@never_cache
@require_http_methods(["GET", "POST"])
def share_open(request, token: str):
    if request.method == "GET":
        wrap = wrap_lookup(raw_token=token)
        return render(
            request,
            "secrets_app/share.html",
            {"available": wrap is not None, "expires_at": wrap.expires_at if wrap else None},
            status=200 if wrap else 404,
        )
    try:
        value = wrap_unwrap(raw_token=token)
    except NotFound:
        return render(request, "secrets_app/share.html", {"available": False}, status=404)
    response = render(
        request,
        "secrets_app/share_revealed.html",
        {"value": value, "is_text": isinstance(value, str)},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
