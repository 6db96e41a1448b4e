"""Logging filters the settings' LOGGING uses."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 4xx answer (a refused permission, a missing page) is the client's business, not a fault
    of the code: Django logs it with the exception's traceback attached; its one line stays, the
    traceback goes. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
