"""Recognising and normalising post links. One normal form per post, so duplicates collapse."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from core.ints import is_int_text

VK_HOSTS = {"vk.com", "m.vk.com", "www.vk.com", "vk.ru", "m.vk.ru", "www.vk.ru", "new.vk.com"}
TELEGRAM_HOSTS = {"t.me", "www.t.me", "telegram.me", "www.telegram.me"}
_WALL = re.compile(r"^wall(-?\d{1,19})_(\d{1,19})$")
_TG_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MAX_LINK_LENGTH = 2048
# The canonical form, recognised without URL parsing (most links of a large request).
_VK_FAST = re.compile(
    r"^(?:https?://)?(?:www\.|m\.)?vk\.(?:com|ru)/wall(-?[1-9]\d{0,18})_([1-9]\d{0,18})/?$"
)


# For the API schema: the canonical forms (the parsers also read the others named in their
# docstrings: vk.com/club1?w=wall-1_2, t.me/s/<channel>/<id>, query strings, fragments).
LINK_PATTERNS = {
    "vk": r"^(https?://)?(www\.|m\.)?vk\.(com|ru)/wall-?[1-9][0-9]{0,17}_[1-9][0-9]{0,17}/?$",
    "telegram": r"^(https?://)?(www\.)?(t|telegram)\.me/(s/)?[A-Za-z][A-Za-z0-9_]{3,31}/"
    r"[1-9][0-9]{0,17}/?$",
}


@dataclass(frozen=True)
class ParsedLink:
    key: str  # "-1_2" or "channel/123"
    link: str  # canonical URL


class LinkError(ValueError):
    pass


def _split(raw: object) -> tuple[str, str, dict[str, list[str]]]:
    if not isinstance(raw, str) or not raw.strip():
        raise LinkError("empty link")
    text = raw.strip()
    if len(text) > MAX_LINK_LENGTH:
        raise LinkError("link too long")
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise LinkError("not an http(s) link")
    host = (parts.hostname or "").lower().rstrip(".")
    return host, parts.path, parse_qs(parts.query)


def parse_vk(raw: object) -> ParsedLink:
    """vk.com/wall-1_2, vk.com/wall1_2, vk.com/club1?w=wall-1_2, vk.com/feed?w=wall-1_2, m.vk.com,
    vk.ru, with or without scheme, query and fragment → https://vk.com/wall-1_2."""
    fast = _VK_FAST.match(raw) if isinstance(raw, str) else None
    if fast:
        key = f"{fast.group(1)}_{fast.group(2)}"
        return ParsedLink(key=key, link=f"https://vk.com/wall{key}")
    try:
        host, path, query = _split(raw)
    except ValueError as exc:
        raise LinkError(str(exc)) from None
    if host not in VK_HOSTS:
        raise LinkError("not a VK link (vk.com, m.vk.com or vk.ru)")
    candidates = list(query.get("w", [])) + [path.strip("/")]
    for candidate in candidates:
        match = _WALL.match(candidate)
        if match:
            owner, post = int(match.group(1)), int(match.group(2))
            if owner == 0 or post == 0:
                raise LinkError("owner and post ids must not be zero")
            key = f"{owner}_{post}"
            return ParsedLink(key=key, link=f"https://vk.com/wall{key}")
    raise LinkError("not a VK post link (expected wall<owner>_<post>)")


def parse_telegram(raw: object) -> ParsedLink:
    """t.me/<channel>/<id> (also t.me/s/<channel>/<id>, telegram.me) → https://t.me/channel/id."""
    try:
        host, path, _ = _split(raw)
    except ValueError as exc:
        raise LinkError(str(exc)) from None
    if host not in TELEGRAM_HOSTS:
        raise LinkError("not a Telegram link (t.me)")
    segments = [s for s in path.split("/") if s]
    if segments[:1] == ["s"]:
        segments = segments[1:]
    if segments[:1] == ["c"]:
        raise LinkError("private channel links (t.me/c/…) cannot be read")
    if len(segments) != 2 or not _TG_CHANNEL.match(segments[0]) or not is_int_text(segments[1]):
        raise LinkError("not a Telegram post link (expected t.me/<channel>/<id>)")
    post_id = int(segments[1])
    if post_id == 0:
        raise LinkError("post id must not be zero")
    channel = segments[0].lower()
    return ParsedLink(key=f"{channel}/{post_id}", link=f"https://t.me/{channel}/{post_id}")


PARSERS = {"vk": parse_vk, "telegram": parse_telegram}


def links_parse(platform: str, links: list) -> tuple[list[ParsedLink], list[dict]]:
    """Parse every link; returns (unique parsed links in first-seen order, errors). Each error
    names the link and its position: {"loc": ["body", "links", i], "msg", "type"}."""
    parser = PARSERS[platform]
    parsed: dict[str, ParsedLink] = {}
    errors: list[dict] = []
    for index, raw in enumerate(links):
        try:
            item = parser(raw)
        except LinkError as exc:
            shown = raw if isinstance(raw, str) else repr(raw)
            errors.append(
                {
                    "loc": ["body", "links", index],
                    "msg": f"{shown[:200]!r}: {exc}",
                    "type": "link_invalid",
                    "input": shown[:200],
                }
            )
            continue
        parsed.setdefault(item.key, item)
    return list(parsed.values()), errors
