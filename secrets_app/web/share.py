"""The page where a person opens a shared (wrapped) secret once.

The link is `/secrets/share/#<token>`: browsers never send a URL's fragment, so the token never
appears in a request line and no access log or proxy log holds it. The page's script reads the
fragment, asks whether the link can still be opened (a POST that does not consume it), and the
"Reveal" button POSTs the token in the form body. Without JavaScript the same form asks the person
to paste the link; its POST carries the token in the body too.

GET never consumes anything (link previewers and mail scanners prefetch GETs). The pages keep the
site's `Referrer-Policy: same-origin`: with `no-referrer` browsers send `Origin: null` on the form's
POST and Django's CSRF check refuses it; with the token in the fragment there is nothing in the
URL to hide from a Referer (which never carries the fragment either).

Links of the old form `/secrets/share/<token>` put the token in the request line, hence in access
logs. Such a request never reveals: the wrap is erased (a token from a log then unwraps nothing,
through the page or the API) and the page says to ask for a new link.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotFound

from ..services.wrapping import wrap_discard, wrap_lookup, wrap_unwrap

TOKEN_MAX = 4096  # a pasted link, at most


def _token_from(text: str) -> str:
    """The token of a pasted link (`…/secrets/share/#<token>`) or of the bare token."""
    text = (text or "").strip()[:TOKEN_MAX]
    return text.rsplit("#", 1)[-1].strip()


def _page(request, *, status: int = 200, **context):
    response = render(request, "secrets_app/share.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def share_open(request):
    if request.method == "GET":
        return _page(request)
    token = _token_from(request.POST.get("token", ""))
    if not token:
        return _page(request, status=422, error="Paste the link you received.")
    try:
        value = wrap_unwrap(raw_token=token)
    except NotFound:
        return _page(request, status=404, missing=True)
    response = render(
        request,
        "secrets_app/share_revealed.html",
        {"value": value, "is_text": isinstance(value, str)},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_POST
def share_check(request):
    """Whether the link can still be opened, and until when; consumes nothing."""
    wrap = wrap_lookup(raw_token=_token_from(request.POST.get("token", "")))
    if wrap is None:
        return JsonResponse({"available": False}, status=404)
    return JsonResponse({"available": True, "expires_at": wrap.expires_at.isoformat()})


@never_cache
@require_http_methods(["GET", "POST"])
def share_legacy(request, token: str):
    wrap_discard(raw_token=token, reason="token sent in a URL path (old link form)")
    return _page(request, status=404, legacy=True)
