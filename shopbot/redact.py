"""Keeping the bot token out of logs and stored errors.

The Bot API addresses methods as `…/bot<token>/<method>`, so any URL in a log line or an
exception text (httpx, python-telegram-bot) may carry the token. Tokens look like
`<digits>:<35 url-safe characters>`; anything of that shape is masked.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{8,}")


def redact(text: str) -> str:
    return _TOKEN.sub("<bot-token>", text)


class RedactBotTokenFilter(logging.Filter):
    """Masks bot tokens in a record's message and arguments (installed on every handler). A
    traceback that shows a token is rendered, masked and moved into the message (the structured
    formatter would otherwise render the original)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is logging's business, not ours
            return True
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if redact(text) != text:
                clean = f"{clean}\n{redact(text)}"
                record.exc_info, record.exc_text = None, None
        if clean != message:
            record.msg, record.args = clean, None
        return True
