"""The one client of VK's API (docs/upstream.md, "VK API"): wall.getById, up to 100 posts a call."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import httpx

MAX_POSTS_PER_CALL = 100
RATE_ERRORS = {6}  # too many requests per second: back off and retry
PAUSE_ERRORS = {29}  # rate limit of the method reached: the token rests
AUTH_ERRORS = {5}  # authorization failed: the token is invalid
ACCESS_ERRORS = {15, 18, 30}  # access denied / deleted / private: the post cannot be read


_clients: dict[int, httpx.Client] = {}
_lock = threading.Lock()


def _client() -> httpx.Client:
    """One keep-alive pool per process (a forked worker must not share its parent's sockets).
    Call it before reserving a rate-limit slot: creating the pool takes long enough to make
    requests arrive out of their slots."""
    pid = os.getpid()
    with _lock:
        if pid not in _clients:
            _clients.clear()
            _clients[pid] = httpx.Client(limits=httpx.Limits(max_connections=20))
        return _clients[pid]


prepare = _client


class VKError(Exception):
    """VK answered with {"error": {...}}."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"VK error {code}: {message}")


class VKNetworkError(Exception):
    """No usable answer: connection failure, timeout, HTTP error status or malformed body."""


@dataclass(frozen=True)
class VKPost:
    views: int | None
    date: int | None


def wall_get_by_id(
    *, base_url: str, token: str, version: str, posts: list[str], timeout: float
) -> dict[str, VKPost]:
    """Views of `posts` ("owner_post" keys). Posts VK did not return (deleted, hidden) are absent
    from the result. Raises VKError for an API error, VKNetworkError for anything else."""
    if not posts or len(posts) > MAX_POSTS_PER_CALL:
        raise ValueError(f"1..{MAX_POSTS_PER_CALL} posts per call")
    url = base_url.rstrip("/") + "/wall.getById"
    # POST keeps the token out of URLs (and logs); VK accepts parameters in either place.
    data = {"posts": ",".join(posts), "v": version, "access_token": token}
    try:
        response = _client().post(url, data=data, timeout=timeout)
    except httpx.HTTPError as exc:
        raise VKNetworkError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise VKNetworkError(f"HTTP {response.status_code} from VK")
    try:
        body = response.json()
    except ValueError:
        raise VKNetworkError("VK answered with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise VKNetworkError("VK answered with an unexpected body")
    if "error" in body:
        error = body["error"] if isinstance(body["error"], dict) else {}
        code = error.get("error_code")
        if not isinstance(code, int) or isinstance(code, bool):
            raise VKNetworkError("VK answered with a malformed error")
        raise VKError(code, str(error.get("error_msg") or ""))
    payload = body.get("response")
    # Newer versions: {"response": {"items": [...]}}; older: {"response": [...]}.
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise VKNetworkError("VK answered without a list of posts")
    result: dict[str, VKPost] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        owner, post = item.get("owner_id"), item.get("id")
        if not isinstance(owner, int) or not isinstance(post, int) or isinstance(owner, bool):
            continue  # malformed: the post stays absent and its task fails with that reason
        views = item.get("views")
        count = views.get("count") if isinstance(views, dict) else None
        date = item.get("date")
        result[f"{owner}_{post}"] = VKPost(
            views=_bounded(count, 2**63 - 1),
            date=_bounded(date, 2**32),  # unix seconds; anything else is no date
        )
    return result


def _bounded(value: object, high: int) -> int | None:
    """A non-negative whole number up to `high`, else None (NaN, infinity, junk)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    return number if 0 <= number <= high else None
