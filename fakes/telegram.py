"""A fake t.me serving post widgets (`/<channel>/<id>?embed=1&mode=tme`) as t.me does.

    fake = FakeTelegram().start()        # fake.url is the TELEGRAM_WEB_URL to use
    fake.add_post("durov", 1, "12.3K")   # views text as shown: 987, 12.3K, 1.2M
    fake.add_post("durov", 2, None)      # a post without the views element
    fake.private.add(("secret", 1))      # answers the "private channel" error block
    fake.fail_next(500, times=2)         # HTTP errors, then normal answers
    fake.delay = 5                       # answers late (client timeouts)
Unknown posts answer the widget's "Post not found" page (no .tgme_widget_message).
"""

from __future__ import annotations

import argparse
import html
import threading

from fakes.http import FakeHTTPServer, FakeRequest, FakeResponse

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Telegram Widget</title></head>
<body class="widget_frame_base tgme_widget body_widget_post emoji_image nodark">
{body}
</body></html>"""

_POST = """<div class="tgme_widget_message_wrap js-widget_message_wrap date_visible">
<div class="tgme_widget_message js-widget_message" data-post="{channel}/{id}">
  <div class="tgme_widget_message_bubble">
    <div class="tgme_widget_message_text js-message_text" dir="auto">Post {id} of {channel}</div>
    <div class="tgme_widget_message_footer compact js-message_footer">
      <div class="tgme_widget_message_info short js-message_info">
        {views}<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date"
        href="https://t.me/{channel}/{id}"><time datetime="2024-03-01T12:00:00+00:00"
        class="time">12:00</time></a></span>
      </div>
    </div>
  </div>
</div>
</div>"""

_VIEWS = '<span class="tgme_widget_message_views">{text}</span><span class="copyonly"> views</span>'
_ERROR = '<div class="tgme_widget_message_error">{text}</div>'


class FakeTelegram:
    def __init__(self, port: int = 0, *, auto: bool = False) -> None:
        self.server = FakeHTTPServer(port=port)
        self.posts: dict[tuple[str, int], str | None] = {}
        self.private: set[tuple[str, int]] = set()
        self.auto = auto
        self.delay = 0.0
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.server.route("GET", "/*", self._widget)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def calls(self) -> list[FakeRequest]:
        return self.server.requests

    def start(self) -> FakeTelegram:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def add_post(self, channel: str, post_id: int, views: str | int | None) -> None:
        self.posts[(channel.lower(), post_id)] = None if views is None else str(views)

    def fail_next(self, status: int, *, times: int = 1) -> None:
        with self._lock:
            self._failures += [status] * times

    def _widget(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            return FakeResponse.text("error", status=failure, delay=self.delay)
        parts = [p for p in request.path.split("/") if p]
        if len(parts) != 2 or not parts[1].isdigit():
            return FakeResponse.text(_PAGE.format(body=_ERROR.format(text="Post not found")))
        key = (parts[0].lower(), int(parts[1]))
        if key in self.private:
            body = _ERROR.format(text="Channel is private")
        elif key in self.posts or self.auto:
            text = self.posts.get(key, f"{key[1] % 900 + 1}.{key[1] % 10}K")
            views = _VIEWS.format(text=html.escape(text)) if text is not None else ""
            body = _POST.format(channel=html.escape(parts[0]), id=key[1], views=views)
        else:
            body = _ERROR.format(text="Post not found")
        return FakeResponse.text(_PAGE.format(body=body), delay=self.delay)


def build_demo_server(port: int) -> FakeHTTPServer:
    """The demo's t.me: every post of every channel exists except those of the private
    channel `closedchannel`."""
    fake = FakeTelegram(port, auto=True)
    fake.add_post("durov", 1, "1.2M")
    fake.private.add(("closedchannel", 1))
    return fake.server


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8703)
    args = parser.parse_args()
    build_demo_server(args.port).serve_forever()
