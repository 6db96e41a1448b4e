"""The webhook Telegram POSTs updates to, and the shop page "Connect Telegram"."""

from __future__ import annotations

import hmac
import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.registry import setting_get

from .botapi import BotApiError, BotClient
from .dispatch import update_process
from .selectors import link_for_user
from .services import link_code_issue, telegram_unlink

logger = logging.getLogger(__name__)
MAX_UPDATE_BYTES = 1_000_000
SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


def _detail(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@csrf_exempt
@require_POST
def webhook(request):
    """POST /telegram/webhook: one update, handled before the answer (the bot's replies go out
    meanwhile). 403 unless the secret header matches `telegram.webhook_secret` (an empty
    secret refuses everything); checked before the body is read. 200 for a duplicate (already
    handled) or ignored update; 503 when the update could not be recorded, so that Telegram
    delivers it again."""
    secret = setting_get("telegram.webhook_secret")
    given = request.META.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return _detail("Invalid or missing X-Telegram-Bot-Api-Secret-Token.", 403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_UPDATE_BYTES:
        return _detail("Update too large.", 413)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _detail("The body is not JSON.", 400)
    try:
        client = BotClient()
        update = client.parse_update(data)
    except ValueError as exc:
        return _detail(str(exc), 400)
    except BotApiError as exc:
        logger.error("webhook: %s", exc.description)
        return _detail("The bot is not configured.", 503)
    try:
        outcome = update_process(update, source="webhook", client=client)
    except DatabaseError:
        logger.exception("webhook: update %s not recorded", data.get("update_id"))
        return _detail("Try again later.", 503)
    return JsonResponse({"ok": True, "outcome": outcome})


def _connect_page(request, code: str = "", expires_at=None):
    username = setting_get("telegram.bot_username")
    context = {
        "link": link_for_user(user=request.user),
        "code": code,
        "expires_at": expires_at,
        "bot_username": username,
        "deep_link": f"https://t.me/{username}?start={code}" if code and username else "",
    }
    return render(request, "shopbot/connect.html", context)


@login_required
def connect(request):
    """Connect Telegram: whether this user is linked, a button for a one-time code, unlink."""
    return _connect_page(request)


@login_required
@require_POST
def connect_code(request):
    """A new one-time code, shown on this answer only (never in a URL or the session)."""
    code, expires_at = link_code_issue(user=request.user)
    response = _connect_page(request, code, expires_at)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def connect_unlink(request):
    if telegram_unlink(user=request.user, actor=request.user):
        messages.success(request, "Telegram account unlinked.")
    return redirect("shopbot:connect")
