"""Schemathesis hooks of `make fuzz` (bin/fuzz): keep the run able to go on.

The fuzzer calls every operation with generated data, as an admin too. A few admin writes would
lock the run itself out of the API and turn every later call into the same 403, hiding whatever
those calls would have found: HTTPS required (the fuzz server is plain HTTP), an allow-list of
client networks that excludes 127.0.0.1, and revoking the run's own token. Those values are
replaced before the call; everything else in the body is sent as generated.
"""

from __future__ import annotations

from typing import Any

import schemathesis

SECURITY_PATH = "/api/v1/sys/security"
SETTING_PATH = "/api/v1/sys/setting"
# Keys whose values can lock the run out, and the harmless value each keeps.
LOCKOUT_SETTINGS = {
    "security.require_https": False,
    "security.allowed_cidrs": [],
}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    path = case.operation.path
    body = case.body
    if path == SECURITY_PATH and isinstance(body, dict):
        for key, safe in LOCKOUT_SETTINGS.items():
            name = key.split(".", 1)[1]
            if name in body:
                body[name] = safe
    elif path == SETTING_PATH and isinstance(body, dict):
        setting = body.get("key")
        if isinstance(setting, str) and setting in LOCKOUT_SETTINGS:
            body["value"] = LOCKOUT_SETTINGS[setting]
