"""`make fuzz` (bin/fuzz) keeps its own run going: the admin's generated writes that would lock
the run out of the API are defused before they are sent (bin/fuzz_hooks.py), and everything
else is sent as generated. The fuzz run itself takes minutes and is not part of the suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def hooks():
    spec = importlib.util.spec_from_file_location("fuzz_hooks", ROOT / "bin" / "fuzz_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case(path: str, body, method: str = "POST"):
    return SimpleNamespace(operation=SimpleNamespace(path=path), body=body, method=method)


def test_security_writes_that_lock_the_run_out_are_defused():
    before_call = hooks().before_call
    security = case(
        "/api/v1/sys/security",
        {"require_https": True, "allowed_cidrs": ["10.0.0.0/8"], "lockout_threshold": 3},
    )
    before_call(None, security, {})
    assert security.body == {"require_https": False, "allowed_cidrs": [], "lockout_threshold": 3}
    pinned = case("/api/v1/sys/security", {"password_min_length": 117, "token_max_ttl": 1})
    before_call(None, pinned, {})
    assert pinned.body == {}
    setting = case("/api/v1/sys/setting", {"key": "security.require_https", "value": True})
    before_call(None, setting, {})
    assert setting.body == {"key": "security.require_https", "value": False}


def test_nothing_generated_makes_the_platform_connect_off_this_machine():
    before_call = hooks().before_call
    proxy = case("/api/v1/proxies", {"host": "example.org", "port": 1080})
    before_call(None, proxy, {})
    assert proxy.body == {"host": "127.0.0.1", "port": 1080}
    lines = case("/api/v1/proxies", {"lines": ["example.org:1080:u:p:w", "junk", 7]})
    before_call(None, lines, {})
    assert lines.body == {"lines": ["127.0.0.1:1080:u:p:w", "junk", 7]}
    url = case("/api/v1/sys/setting", {"key": "viewstats.vk_api_url", "value": "http://x"})
    before_call(None, url, {})
    assert url.body["key"] == "custom.fuzz_url"


def test_other_calls_are_sent_as_generated():
    before_call = hooks().before_call
    for path, body in [
        ("/api/v1/sys/setting", {"key": {"not": "a string"}, "value": 1}),
        ("/api/v1/sys/setting", {"key": "custom.x", "value": True}),
        ("/api/v1/sys/security", ["not", "an", "object"]),
        ("/api/v1/token/create", {"require_https": True}),
    ]:
        sent = case(path, body)
        before_call(None, sent, {})
        assert sent.body == body


def test_the_fuzz_script_names_its_own_database_and_redis():
    text = (ROOT / "bin" / "fuzz").read_text()
    assert '"FUZZ_DATABASE", "platform_fuzz"' in text
    assert "CACHE_KEY_PREFIX" in text and "config/gunicorn.py" in text
