"""Schemathesis hooks of `make fuzz` (bin/fuzz): keep the run going, and on this machine.

The fuzzer calls every operation with generated data, as an admin too. Two kinds of generated
admin writes are changed before they are sent; everything else goes as generated:
- writes that would lock the run itself out of the API and turn every later call into the same
  403, hiding whatever those calls would have found: HTTPS required (the fuzz server is plain
  HTTP), an allow-list of client networks without 127.0.0.1 (revoking the run's own token is
  not fuzzed at all, bin/fuzz);
- changes of the security fields whose registry default the schema states (a password's
  minimum length, token lifetimes) are left out;
- writes that would make the platform connect elsewhere than this machine: a proxy's host
  (a health check connects to it) becomes 127.0.0.1, and a setting whose name ends in `url`
  (an outside service's address) is written under a custom key instead.
"""

from __future__ import annotations

from typing import Any

import schemathesis

SECURITY_PATH = "/api/v1/sys/security"
SETTING_PATH = "/api/v1/sys/setting"
PROXIES_PATH = "/api/v1/proxies"
LOCAL_HOST = "127.0.0.1"
# Security fields whose registry default the schema states (a password's minimum length, token
# lifetimes): a run that changed them would find its own change, not the API's. Not sent.
PINNED_SECURITY_FIELDS = ("password_min_length", "token_default_ttl", "token_max_ttl")
# Keys whose values can lock the run out, and the harmless value each keeps.
LOCKOUT_SETTINGS = {
    "security.require_https": False,
    "security.allowed_cidrs": [],
}


def _local_line(line: Any) -> Any:
    if not isinstance(line, str) or ":" not in line:
        return line
    return LOCAL_HOST + line[line.index(":") :]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    path = case.operation.path
    body = case.body
    if not isinstance(body, dict):
        return
    if path == SECURITY_PATH:
        for key, safe in LOCKOUT_SETTINGS.items():
            name = key.split(".", 1)[1]
            if name in body:
                body[name] = safe
        for name in PINNED_SECURITY_FIELDS:
            body.pop(name, None)
    elif path == SETTING_PATH:
        setting = body.get("key")
        if not isinstance(setting, str):
            return
        if setting in LOCKOUT_SETTINGS:
            body["value"] = LOCKOUT_SETTINGS[setting]
        elif setting in {f"security.{name}" for name in PINNED_SECURITY_FIELDS}:
            body["key"] = "custom.fuzz_pinned"
        elif setting.lower().endswith("url"):
            body["key"] = "custom.fuzz_url"
    elif path == PROXIES_PATH and case.method.upper() == "POST":
        if "host" in body:
            body["host"] = LOCAL_HOST
        if isinstance(body.get("lines"), list):
            body["lines"] = [_local_line(line) for line in body["lines"]]
