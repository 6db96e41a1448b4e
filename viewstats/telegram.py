"""The one client of t.me's public post widget (docs/upstream.md, "Telegram public posts")."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import httpx

_COUNT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([KMB]?)$", re.IGNORECASE)
_MULTIPLIER = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


_clients: dict[int, httpx.Client] = {}
_lock = threading.Lock()


def _client() -> httpx.Client:
    """One keep-alive pool per process (a forked worker must not share its parent's sockets)."""
    pid = os.getpid()
    with _lock:
        if pid not in _clients:
            _clients.clear()
            _clients[pid] = httpx.Client(limits=httpx.Limits(max_connections=20))
        return _clients[pid]


prepare = _client  # call before reserving a rate-limit slot (see vk.prepare)


class TelegramNetworkError(Exception):
    """No usable answer (connection, timeout, HTTP 5xx/429): worth retrying."""


class TelegramPostError(Exception):
    """The post cannot be read (missing, private, no view counter): final."""


@dataclass(frozen=True)
class TelegramPost:
    views: int
    posted_at: datetime | None


def parse_count(text: str) -> int:
    """'987' → 987, '12.3K' → 12300, '1.2M' → 1200000, '1 234' → 1234."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    match = _COUNT.match(cleaned)
    if not match:
        raise ValueError(f"not a view count: {text!r}")
    try:
        number = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"not a view count: {text!r}") from None
    return int(number * _MULTIPLIER[match.group(2).upper()])


class _WidgetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.has_message = False
        self.error_text: str | None = None
        self.views_text: str | None = None
        self.datetime: str | None = None
        self._capture: str | None = None
        self._in_date = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "tgme_widget_message" in classes:
            self.has_message = True
        if "tgme_widget_message_error" in classes:
            self.error_text = ""
            self._capture = "error"
        if tag == "span" and "tgme_widget_message_views" in classes:
            self.views_text = ""
            self._capture = "views"
        if "tgme_widget_message_date" in classes:
            self._in_date = True
        if tag == "time" and self._in_date and attributes.get("datetime"):
            self.datetime = self.datetime or attributes["datetime"]

    def handle_endtag(self, tag):
        if tag in ("span", "div"):
            self._capture = None
        if tag == "a":
            self._in_date = False

    def handle_data(self, data):
        if self._capture == "views":
            self.views_text = (self.views_text or "") + data
        elif self._capture == "error":
            self.error_text = (self.error_text or "") + data


def parse_widget(html: str) -> TelegramPost:
    """The view count and time of a widget page; TelegramPostError when there is none."""
    parser = _WidgetParser()
    parser.feed(html)
    if parser.error_text is not None:
        raise TelegramPostError(f"Telegram: {parser.error_text.strip() or 'post unavailable'}")
    if not parser.has_message:
        raise TelegramPostError("Telegram: post not found or private")
    if parser.views_text is None:
        raise TelegramPostError("Telegram: the post shows no view counter")
    try:
        views = parse_count(parser.views_text)
    except ValueError as exc:
        raise TelegramPostError(f"Telegram: {exc}") from None
    posted_at = None
    if parser.datetime:
        try:
            posted_at = datetime.fromisoformat(parser.datetime)
        except ValueError:
            posted_at = None
    return TelegramPost(views=views, posted_at=posted_at)


def post_fetch(*, base_url: str, channel: str, post_id: int, timeout: float) -> TelegramPost:
    """GET <base>/<channel>/<id>?embed=1&mode=tme and read the widget."""
    url = f"{base_url.rstrip('/')}/{channel}/{post_id}"
    try:
        response = _client().get(url, params={"embed": "1", "mode": "tme"}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise TelegramNetworkError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise TelegramNetworkError(f"HTTP {response.status_code} from t.me")
    if response.status_code != 200:
        raise TelegramPostError(f"Telegram: HTTP {response.status_code}")
    return parse_widget(response.text)
