"""The sandbox SMS provider: a deterministic simulation, no network, no real numbers.

For a given seed (`accounts.sms_sandbox_seed`) the n-th number rented gets the same phone,
the same code and the same fate (delivered or not, by `accounts.sms_sandbox_success_rate`).
The code becomes available `accounts.sms_sandbox_code_delay` seconds after the number was
rented. The simulated provider account (sequence, spending, cancellations) lives in the cache,
so every process (web, worker) sees the same sandbox.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from django.core.cache import cache

from core.errors import InvalidArgument, ResourceExhausted
from core.registry import settings_get_many

from .base import CodePoll, NumberGranted, SmsProvider

_SEQ = "sandbox:sms:seq"
_SPENT = "sandbox:sms:spent_cents"
_CANCELLED = "sandbox:sms:cancelled:"
_KEYS = [
    "accounts.sms_sandbox_seed",
    "accounts.sms_sandbox_success_rate",
    "accounts.sms_sandbox_code_delay",
    "accounts.sms_sandbox_balance",
    "accounts.sms_sandbox_price",
]
_COUNTRY_PREFIX = {"ru": "+79", "kz": "+77", "by": "+37529", "ua": "+38050", "us": "+1555"}


def _incr(key: str, by: int = 1) -> int:
    cache.add(key, 0, timeout=None)
    return cache.incr(key, by)


def _fate(seed: int, n: int) -> tuple[str, str, float]:
    """(phone digits, code, draw in [0,1)) of the n-th number for a seed."""
    rng = random.Random(f"sms-sandbox:{seed}:{n}")
    digits = "".join(str(rng.randrange(10)) for _ in range(9))
    code = f"{rng.randrange(1_000_000):06d}"
    return digits, code, rng.random()


class SandboxSmsProvider(SmsProvider):
    name = "sandbox"

    def _conf(self) -> dict:
        return settings_get_many(_KEYS)

    def get_number(self, *, service: str, country: str, operator: str) -> NumberGranted:
        conf = self._conf()
        price = conf["accounts.sms_sandbox_price"]
        prefix = _COUNTRY_PREFIX.get(country.lower())
        if prefix is None:
            raise InvalidArgument(
                f"The sandbox has no numbers for country {country!r}.", field="country"
            )
        cents = int(price * 100)
        spent = _incr(_SPENT, cents)
        if Decimal(spent) / 100 > conf["accounts.sms_sandbox_balance"]:
            _incr(_SPENT, -cents)
            raise ResourceExhausted("Insufficient SMS provider balance.")
        n = _incr(_SEQ)
        digits, _code, _draw = _fate(conf["accounts.sms_sandbox_seed"], n)
        issued_ms = int(time.time() * 1000)
        return NumberGranted(
            provider_activation_id=f"sbx-{n}-{issued_ms}",
            phone=(prefix + digits)[:12],
            price=price,
        )

    def poll_code(self, *, provider_activation_id: str) -> CodePoll:
        conf = self._conf()
        try:
            _prefix, n_text, issued_text = provider_activation_id.split("-")
            n, issued_ms = int(n_text), int(issued_text)
        except ValueError:
            return CodePoll("failed", error="unknown activation")
        if cache.get(_CANCELLED + provider_activation_id):
            return CodePoll("failed", error="cancelled")
        delay = float(conf["accounts.sms_sandbox_code_delay"])
        if time.time() * 1000 < issued_ms + delay * 1000:
            return CodePoll("waiting")
        _digits, code, draw = _fate(conf["accounts.sms_sandbox_seed"], n)
        if draw < float(conf["accounts.sms_sandbox_success_rate"]):
            return CodePoll("received", code=code)
        return CodePoll("failed", error="no SMS arrived (sandbox)")

    def cancel(self, *, provider_activation_id: str, refund: bool) -> None:
        if cache.add(_CANCELLED + provider_activation_id, 1, timeout=7 * 86400) and refund:
            price = self._conf()["accounts.sms_sandbox_price"]
            _incr(_SPENT, -int(price * 100))

    def balance(self) -> Decimal:
        conf = self._conf()
        spent = Decimal(cache.get(_SPENT) or 0) / 100
        return (conf["accounts.sms_sandbox_balance"] - spent).quantize(Decimal("0.01"))
