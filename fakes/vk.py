"""A fake VK API (wall.getById) on 127.0.0.1 speaking VK's wire format (docs/upstream.md).

    fake = FakeVK().start()          # fake.url -> ".../method" (the VK_API_URL to use)
    fake.add_post(-1, 2, views=987)  # or FakeVK(auto=True): every post exists
    fake.fail_next(6, times=2)       # the next two calls answer error 6
    fake.post_errors[(-1, 3)] = 15   # any call naming this post answers error 15
    fake.delay = 5                   # answers late (client timeouts)
    fake.valid_tokens = {"t1"}       # other tokens get error 5
    fake.calls                       # wall.getById calls received (FakeRequest list)

`python -m fakes.vk --port 8702 [--auto]` serves it in the foreground.
"""

from __future__ import annotations

import argparse
import threading
import time

from fakes.http import FakeHTTPServer, FakeRequest, FakeResponse

ERROR_MESSAGES = {
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    15: "Access denied",
    18: "User was deleted or banned",
    29: "Rate limit reached",
    30: "This profile is private",
}


class FakeVK:
    def __init__(self, port: int = 0, *, auto: bool = False, legacy: bool = False) -> None:
        self.server = FakeHTTPServer(port=port)
        self.posts: dict[tuple[int, int], int | None] = {}
        self.auto = auto  # every requested post exists, views derived from its ids
        self.legacy = legacy  # answer {"response": [...]} as older API versions do
        self.post_errors: dict[tuple[int, int], int] = {}
        self.absent: set[tuple[int, int]] = set()
        self.valid_tokens: set[str] | None = None
        self.delay = 0.0
        self.calls: list[FakeRequest] = []
        self.call_times: list[float] = []
        self._errors: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()
        for method in ("GET", "POST"):
            self.server.route(method, "/method/wall.getById", self._wall_get_by_id)
        self.server.route("GET", "/_fake/stats", lambda req: {"calls": len(self.calls)})

    @property
    def url(self) -> str:
        return self.server.url + "/method"

    def start(self) -> FakeVK:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def add_post(self, owner_id: int, post_id: int, *, views: int | None) -> None:
        self.posts[(owner_id, post_id)] = views

    def fail_next(self, code: int, *, times: int = 1, token: str | None = None) -> None:
        """The next `times` calls (with `token`, or any) answer VK error `code`."""
        with self._lock:
            self._errors += [(code, token)] * times

    def _take_error(self, token: str) -> int | None:
        with self._lock:
            for index, (code, only) in enumerate(self._errors):
                if only is None or only == token:
                    del self._errors[index]
                    return code
        return None

    @staticmethod
    def error(code: int) -> dict:
        return {
            "error": {
                "error_code": code,
                "error_msg": ERROR_MESSAGES.get(code, "Error"),
                "request_params": [],
            }
        }

    def _wall_get_by_id(self, request: FakeRequest) -> FakeResponse:
        params = {k: v[0] for k, v in request.query.items()}
        if request.body:
            from urllib.parse import parse_qs

            params.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
        with self._lock:
            self.calls.append(request)
            self.call_times.append(time.monotonic())
        token = params.get("access_token", "")
        if not token or (self.valid_tokens is not None and token not in self.valid_tokens):
            return FakeResponse.json(self.error(5), delay=self.delay)
        code = self._take_error(token)
        if code is not None:
            return FakeResponse.json(self.error(code), delay=self.delay)
        keys = []
        for part in params.get("posts", "").split(","):
            owner_text, _, post_text = part.partition("_")
            keys.append((int(owner_text), int(post_text)))
        if len(keys) > 100:
            return FakeResponse.json(
                {"error": {"error_code": 100, "error_msg": "posts: too many"}}, delay=self.delay
            )
        for key in keys:
            if key in self.post_errors:
                return FakeResponse.json(self.error(self.post_errors[key]), delay=self.delay)
        items = []
        for owner, post in keys:
            if (owner, post) in self.absent:
                continue
            if self.auto and (owner, post) not in self.posts:
                views: int | None = (abs(owner) * 31 + post * 7) % 100_000
            elif (owner, post) in self.posts:
                views = self.posts[(owner, post)]
            else:
                continue  # deleted or hidden posts are simply absent
            item = {
                "id": post,
                "owner_id": owner,
                "from_id": owner,
                "date": 1_700_000_000,
                "post_type": "post",
                "text": "",
                "likes": {"count": 1},
            }
            if views is not None:
                item["views"] = {"count": views}
            items.append(item)
        body = {"response": items} if self.legacy else {"response": {"items": items}}
        return FakeResponse.json(body, delay=self.delay)


def build_demo_server(port: int) -> FakeHTTPServer:
    """The demo's VK: every post exists (views derived from its ids); -1_13 is deleted."""
    fake = FakeVK(port, auto=True)
    fake.absent.add((-1, 404))
    fake.post_errors[(-1, 13)] = 18
    return fake.server


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--auto", action="store_true")
    args = parser.parse_args()
    FakeVK(args.port, auto=args.auto).server.serve_forever()
