"""Run-time settings of the account fleet (editable by admins through the settings registry)."""

from decimal import Decimal

from core.registry import register

register(
    "accounts.max_accounts_per_proxy",
    "int",
    1,
    "How many accounts may share one proxy of the fleet's pool.",
    min_value=1,
    max_value=1000,
)
register(
    "accounts.proxy_check_timeout",
    "decimal",
    Decimal("5"),
    "Seconds a proxy health check waits for the TCP connect and each SOCKS5 reply.",
    min_value=Decimal("0.1"),
    max_value=Decimal("60"),
)
register(
    "accounts.proxy_max_failures",
    "int",
    3,
    "Consecutive failed health checks after which a proxy is marked dead and its accounts freed.",
    min_value=1,
)
register(
    "accounts.sms_provider",
    "str",
    "sandbox",
    "The SMS provider used for activations (only the sandbox ships with the project).",
    choices=("sandbox",),
)
register(
    "accounts.sms_sandbox_seed",
    "int",
    42,
    "Seed of the sandbox SMS provider: the same seed gives the same numbers, codes and failures.",
)
register(
    "accounts.sms_sandbox_success_rate",
    "decimal",
    Decimal("1"),
    "Share (0–1) of sandbox activations whose code arrives; the others fail.",
    min_value=Decimal("0"),
    max_value=Decimal("1"),
)
register(
    "accounts.sms_sandbox_code_delay",
    "decimal",
    Decimal("3"),
    "Seconds after the number is given before the sandbox delivers the code.",
    min_value=Decimal("0"),
    max_value=Decimal("3600"),
)
register(
    "accounts.sms_sandbox_balance",
    "decimal",
    Decimal("100.00"),
    "Starting balance of the sandbox SMS account; each number costs the sandbox price.",
    min_value=Decimal("0"),
)
register(
    "accounts.sms_sandbox_price",
    "decimal",
    Decimal("0.50"),
    "Price of one sandbox number; refunded when the activation is cancelled before a code.",
    min_value=Decimal("0"),
)
register(
    "accounts.sms_activation_ttl",
    "duration",
    1200,
    "How long a rented number waits for its code before the activation expires.",
    min_value=10,
)
register(
    "accounts.sms_poll_interval",
    "decimal",
    Decimal("1"),
    "Seconds between two polls of the SMS provider for a code (by the worker).",
    min_value=Decimal("0.1"),
)
register(
    "accounts.sms_code_max_wait",
    "int",
    300,
    "Upper bound of GetCode's timeout_seconds.",
    min_value=0,
    max_value=3600,
)
