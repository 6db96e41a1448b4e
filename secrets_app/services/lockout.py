"""Login lockout and sign-up throttling: attempts are reserved before the password is checked.

Three counters per window (`security.lockout_window`), each reserved atomically *before* a
password is checked, so N parallel guesses check at most the smallest limit, never more:
- the (account, address) **pair**: `security.lockout_threshold` failures lock that account for
  that address only, so nobody can lock a user out from everywhere;
- the **account**, whatever the address: `security.lockout_account_threshold`, much higher, a
  ceiling against guessing spread over many addresses (an address adds at most its pair's
  limit to it);
- the **address**, whatever the account: `security.lockout_ip_threshold`.
A refused attempt reserves nothing (it does not bring the ceiling nearer). A failed check keeps
its reservation; a successful one gives it back and forgets the pair's failures.
So the right password is only ever accepted within the pair's limit; guesses already in flight
when it is accepted may then be checked (their sender holds the password by then).

On Redis the check-and-reserve is one Lua script; embedded (file cache) it is an increment per
counter taken back when over a limit (good enough for the single-machine demo).

Sign-ups are counted per address (`security.signup_limit` per `security.signup_window`), also
before anything is validated or hashed.
"""

from __future__ import annotations

import contextlib
import unicodedata
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache

from core.redis import get_redis
from core.registry import settings_get_many

_RESERVE = """
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return i end
end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[#ARGV]) end
end
return 0
"""
# Which limit refused this context's last attempt ("" when none): lets the password grant tell
# "locked out" (429) from "wrong password" (401) although authenticate() says None for both.
_REFUSED: ContextVar[str] = ContextVar("lockout_refused", default="")

LIMITS = ("pair", "account", "ip")


def login_key(username: str) -> str:
    """The account part of the counters: NFKC and case-folded, as usernames are compared."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()[:150]


def _keys(username: str, ip: str) -> list[str]:
    account = login_key(username)
    return [f"lockout:pair:{account}:{ip}", f"lockout:user:{account}", f"lockout:ip:{ip}"]


def _config() -> dict[str, Any]:
    values = settings_get_many(
        [
            "security.lockout_threshold",
            "security.lockout_account_threshold",
            "security.lockout_ip_threshold",
            "security.lockout_window",
        ]
    )
    return {
        "limits": [
            values["security.lockout_threshold"],
            values["security.lockout_account_threshold"],
            values["security.lockout_ip_threshold"],
        ],
        "window": values["security.lockout_window"],
    }


def counters_reserve(keys: list[str], limits: list[int], window: int) -> int:
    """Reserve one unit of every counter in `keys` unless one is at its limit: 0 when reserved,
    else the 1-based index of the first counter at its limit (nothing reserved then)."""
    client = get_redis()
    if client is not None:
        full = [cache.make_key(key) for key in keys]
        return int(client.eval(_RESERVE, len(full), *full, *limits, window))
    taken = []
    refused = 0
    for index, (key, limit) in enumerate(zip(keys, limits, strict=True), start=1):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired in between
            cache.set(key, 1, timeout=window)
            count = 1
        taken.append(key)
        if count > limit:
            refused = index
            break
    if refused:
        for key in taken:
            with contextlib.suppress(ValueError):
                cache.decr(key)
    return refused


def login_attempt_reserve(*, username: str, ip: str) -> str:
    """Reserve one attempt for this account from this address: "" when it may be checked,
    else the limit that refuses it ("pair", "account" or "ip")."""
    config = _config()
    refused = counters_reserve(_keys(username, ip), config["limits"], config["window"])
    outcome = LIMITS[refused - 1] if refused else ""
    _REFUSED.set(outcome)
    return outcome


def login_attempt_release(*, username: str, ip: str) -> None:
    """A successful check: give the attempt back and forget the pair's failures."""
    pair, account, address = _keys(username, ip)
    cache.delete(pair)
    for key in (account, address):
        try:
            if cache.decr(key) < 0:
                cache.delete(key)
        except ValueError:
            pass


def login_refused_by() -> str:
    """The limit that refused this context's last attempt, "" if none did."""
    return _REFUSED.get()


def login_refusal_forget() -> None:
    _REFUSED.set("")


def lockout_state(*, username: str = "", ip: str = "") -> dict[str, Any]:
    """Failures counted now, for the admin: the account's (all addresses) and the address's."""
    config = _config()
    pair, account, address = _keys(username, ip)
    counts = cache.get_many([pair, account, address])
    user_failures = counts.get(account, 0) if username else 0
    ip_failures = counts.get(address, 0) if ip else 0
    return {
        "user_failures": user_failures,
        "ip_failures": ip_failures,
        "user_locked": user_failures >= config["limits"][1],
        "ip_locked": ip_failures >= config["limits"][2],
        "window": config["window"],
    }


def lockout_clear(*, username: str = "", ip: str = "") -> None:
    """Forget an account's counter (and its pair with `ip`) or an address's (admin action)."""
    pair, account, address = _keys(username, ip)
    keys = ([account, pair] if username else []) + ([address] if ip else [])
    cache.delete_many(keys)


def signup_reserve(*, ip: str) -> bool:
    """Count one sign-up from `ip`; False when the address has used its allowance."""
    values = settings_get_many(["security.signup_limit", "security.signup_window"])
    refused = counters_reserve(
        [f"signup:ip:{ip}"], [values["security.signup_limit"]], values["security.signup_window"]
    )
    return not refused
